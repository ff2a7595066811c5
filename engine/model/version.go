package model

// Version is the engine version written beside every run's outputs.
const Version = "0.1.0"
