"""SiamFC-style visible/IR tracking loop: the stateful tracker over the stateless matcher. No Qt."""
