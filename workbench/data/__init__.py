"""The data contract: schemas, load / validate / import, store and quarantine."""
