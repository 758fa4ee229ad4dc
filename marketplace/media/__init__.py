"""Media: the image pipeline (Pillow) and a small storage interface (local disk now, an object store later)."""
