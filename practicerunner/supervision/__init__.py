"""Associate supervision: who supervises whom."""
