package model

// Version is the engine version written beside every run's outputs. A run
// continues (iplgpu run -resume) only under the version that started it.
//
// 0.2.0: afferent events drawn by time rescaling (model.AfferentEvents: the
// same Poisson law, a different random stream) and the decay of e applied
// lazily (model.EScale): runs of 0.1.0 are not reproduced number for number.
//
// 0.2.1: the embedded defaults recalibrated on the mean over four seeds
// (issue 9): dynamics.g_lat 0.72 (was 0.82) and feedback.k_max matched to it
// (iplgpu calibrate). The equations and random streams are those of 0.2.0: a
// 0.2.0 config.yaml (which lists every parameter) gives the same numbers
// under 0.2.1.
const Version = "0.2.1"
