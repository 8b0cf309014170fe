"""lifeservices-cli: check planning data against the Baicheng 2022 life-services action plan."""

__version__ = "0.1.0"
