"""The Qt desktop window. Only this package (and the composition root) imports Qt; it reaches
data only through the client core."""
