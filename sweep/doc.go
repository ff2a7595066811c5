// Package sweep plans, writes and runs parameter and seed sweeps: many runs of
// one base configuration that differ in a few `-set` keys and in the seed.
//
// A sweep file (YAML, see Spec) names the base config file or preset, the seeds,
// and a grid of `-set` keys with value lists, combined crossed (every
// combination) or zipped (the i-th values together). Plan turns it into points;
// each point has an index, a seed, its overrides and a readable directory name
// such as runs/0003-g_lat=0.5-seed=2. Write lays out the sweep directory:
//
//	SWEEPDIR/sweep.yaml         the sweep file as given (verbatim)
//	SWEEPDIR/base-config.yaml   a copy of the base config file, if the sweep names one
//	SWEEPDIR/manifest.json      the plan: what `sweep run -index I` reads (ReadManifest)
//	SWEEPDIR/manifest.csv       the same, one row per point, for people and pandas
//	SWEEPDIR/sweep.sbatch       a Slurm job array, one task per point: sbatch it as it is
//	SWEEPDIR/job.yaml           a Kubernetes Indexed Job, one completion index per point
//	SWEEPDIR/runs/              the points' run directories (made by the runs)
//	SWEEPDIR/logs/              Slurm's per-task output
//	SWEEPDIR/locks/             one lock file per point, held while the point runs
//
// The package does not import the engine: what it needs from the rest of the
// program comes in as function values. A CheckFunc validates each point's
// configuration before anything is written; a RunFunc runs one point; a Probe
// reads a point's run directory and says whether it is done, failed, or can be
// resumed (RunJSONProbe reads run.json's status field). Status classifies every
// point (pending, running, done, failed, resumable); RunPoint runs one point
// (the Slurm and Kubernetes tasks, with the index from IndexFromEnv), RunLocal
// runs all of them with N workers. A point that is done is never run again.
package sweep
