package model

// Version is the engine version written beside every run's outputs. A run
// continues (iplgpu run -resume) only under the version that started it.
//
// 0.2.0: afferent events drawn by time rescaling (model.AfferentEvents: the
// same Poisson law, a different random stream) and the decay of e applied
// lazily (model.EScale): runs of 0.1.0 are not reproduced number for number.
const Version = "0.2.0"
