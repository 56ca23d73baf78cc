"""Training the project's detectors from public datasets (`resonant train ...`)."""
