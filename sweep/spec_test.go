package sweep

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDefaults(t *testing.T) {
	s, err := Parse("t.yaml", []byte("seeds: [3, 1]\ngrid:\n  dynamics.g_lat: [0.5, 0.10]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Combine != Crossed {
		t.Errorf("combine = %q, want crossed", s.Combine)
	}
	if want := (Grid{{Key: "dynamics.g_lat", Values: []string{"0.5", "0.10"}}}); !reflect.DeepEqual(s.Grid, want) {
		t.Errorf("grid = %+v, want %+v (values as written)", s.Grid, want)
	}
	r := s.Resources
	if r.CPUs != DefaultCPUs || r.memMiB != 4096 || r.limit != 24*time.Hour || r.GPUs != 0 {
		t.Errorf("resources = %+v, want the defaults", r)
	}
	if s.Slurm.SignalSeconds != DefaultSignalSeconds || s.Kubernetes.Image != DefaultImage ||
		s.Kubernetes.Claim != DefaultClaim || s.Kubernetes.Mount != DefaultMount || s.Kubernetes.Retries != DefaultRetries {
		t.Errorf("slurm %+v, kubernetes %+v: want the defaults", s.Slurm, s.Kubernetes)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown top-level key", "seeds: [1]\nseed: 2\n", `line 2: unknown key "seed" at the top level (allowed keys: combine, config, grid, kubernetes, name, preset, resources, seeds, set, slurm)`},
		{"unknown nested key", "seeds: [1]\nslurm:\n  partitoin: gpu\n", `line 3: unknown key "partitoin" in slurm (allowed keys: account, extra, limit, partition, qos, signal_seconds)`},
		{"unknown resources key", "seeds: [1]\nresources:\n  mem: 4G\n", `unknown key "mem" in resources`},
		{"malformed", "seeds: [1\n", "malformed YAML"},
		{"empty", "", "empty: it needs at least seeds"},
		{"no seeds", "grid:\n  a.b: [1]\n", "seeds: give at least one seed"},
		{"negative seed", "seeds: [-1]\n", "seeds: -1 is negative"},
		{"duplicate seed", "seeds: [1, 2, 1]\n", "seeds: 1 appears twice"},
		{"grid not a mapping", "seeds: [1]\ngrid: [a, b]\n", "grid must be a mapping"},
		{"grid value not a list", "seeds: [1]\ngrid:\n  dynamics.g_lat: 0.5\n", "grid key dynamics.g_lat must have a list of values"},
		{"grid nested list", "seeds: [1]\ngrid:\n  dynamics.g_lat: [[1, 2]]\n", "each value must be a single value"},
		{"grid null value", "seeds: [1]\ngrid:\n  dynamics.g_lat: [~]\n", "each value must be a single value"},
		{"grid empty list", "seeds: [1]\ngrid:\n  dynamics.g_lat: []\n", "grid: key dynamics.g_lat has no values"},
		{"grid duplicate key", "seeds: [1]\ngrid:\n  a.b: [1]\n  a.b: [2]\n", "grid: key a.b appears twice"},
		{"grid bad key", "seeds: [1]\ngrid:\n  a b: [1]\n", `key "a b": want a -set key`},
		{"grid seed", "seeds: [1]\ngrid:\n  seed: [1, 2]\n", "give the seeds in seeds"},
		{"grid duplicate value", "seeds: [1]\ngrid:\n  a.b: [1, 1]\n", "value 1 appears twice"},
		{"grid key also in set", "seeds: [1]\nset: [a.b=1]\ngrid:\n  a.b: [2]\n", "key a.b is also in set"},
		{"set without =", "seeds: [1]\nset: [a.b]\n", `set[0]: "a.b": want key=value`},
		{"set empty value", "seeds: [1]\nset: [a.b=]\n", "set[0]: a.b: empty value"},
		{"combine", "seeds: [1]\ncombine: product\n", `combine = "product": allowed crossed or zipped`},
		{"zipped lengths", "seeds: [1]\ncombine: zipped\ngrid:\n  a.b: [1, 2]\n  c.d: [1]\n", "zipped needs lists of one length: a.b has 2 values, c.d has 1"},
		{"zipped duplicate", "seeds: [1]\ncombine: zipped\ngrid:\n  a.b: [1, 1]\n  c.d: [2, 2]\n", "combination 1 (1, 2) appears twice"},
		{"too many points", "seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\ngrid:\n  a.a: [1,2,3,4,5,6,7,8,9,10]\n  a.b: [1,2,3,4,5,6,7,8,9,10]\n  a.c: [1,2,3,4,5,6,7,8,9,10]\n  a.d: [1,2,3,4,5,6,7,8,9,10]\n  a.e: [1,2]\n", "the sweep has 200000 points (10 x 10 x 10 x 10 x 2 values x 10 seeds); at most 100000"},
		{"a million points", "seeds: [1]\ngrid:\n  a.a: [1,2,3,4,5,6,7,8,9,10]\n  a.b: [1,2,3,4,5,6,7,8,9,10]\n  a.c: [1,2,3,4,5,6,7,8,9,10]\n  a.d: [1,2,3,4,5,6,7,8,9,10]\n  a.e: [1,2,3,4,5,6,7,8,9,10]\n  a.f: [1,2,3,4,5,6,7,8,9,10]\n", "the sweep has 1000000 points (10 x 10 x 10 x 10 x 10 x 10 values x 1 seeds)"},
		{"seed fraction", "seeds: [1.5]\n", "seeds: 1.5 is not an integer in decimal digits"},
		{"seed exponent", "seeds: [1e3]\n", "seeds: 1e3 is not an integer in decimal digits"},
		{"seed hex", "seeds: [0x10]\n", "seeds: 0x10 is not an integer in decimal digits"},
		{"seed octal", "seeds: [010]\n", "seeds: 010 has a leading zero"},
		{"seed octal 0o", "seeds: [0o10]\n", "seeds: 0o10 is not an integer in decimal digits"},
		{"seed overflow", "seeds: [18446744073709551616]\n", "seeds: 18446744073709551616 does not fit"},
		{"same value written twice", "seeds: [1]\ngrid:\n  dynamics.g_lat: [0.5, 0.50]\n", "value 0.50 appears twice (by value)"},
		{"same zipped tuple written twice", "seeds: [1]\ncombine: zipped\ngrid:\n  a.a: [1, 1.0]\n  a.b: [2, 2e0]\n", "combination 1 (1.0, 2e0) appears twice"},
		{"name", "seeds: [1]\nname: a b\n", `name = "a b"`},
		{"cpus", "seeds: [1]\nresources: {cpus: -1}\n", "resources.cpus = -1"},
		{"memory", "seeds: [1]\nresources: {memory: lots}\n", `resources.memory = "lots": want a size`},
		{"time", "seeds: [1]\nresources: {time: 30s}\n", `resources.time = "30s": want a duration of at least a minute`},
		{"time format", "seeds: [1]\nresources: {time: \"1-00:00:00\"}\n", `resources.time = "1-00:00:00"`},
		{"gpus", "seeds: [1]\nresources: {gpus: 100}\n", "resources.gpus = 100"},
		{"signal past limit", "seeds: [1]\nresources: {time: 1m}\n", "slurm.signal_seconds = 120: allowed 10 up to the time limit (1m0s)"},
		{"partition", "seeds: [1]\nslurm: {partition: \"a b\"}\n", `slurm.partition = "a b"`},
		{"limit", "seeds: [1]\nslurm: {limit: -2}\n", "slurm.limit = -2"},
		{"extra", "seeds: [1]\nslurm: {extra: [constraint=a100]}\n", `slurm.extra[0] = "constraint=a100"`},
		{"namespace", "seeds: [1]\nkubernetes: {namespace: Lab}\n", `kubernetes.namespace = "Lab"`},
		{"claim", "seeds: [1]\nkubernetes: {claim: My_Claim}\n", `kubernetes.claim = "My_Claim"`},
		{"mount", "seeds: [1]\nkubernetes: {mount: data}\n", `kubernetes.mount = "data": want an absolute path`},
		{"image", "seeds: [1]\nkubernetes: {image: \"a b\"}\n", `kubernetes.image = "a b"`},
		{"wrong type", "seeds: [1]\nresources: {cpus: many}\n", "cannot unmarshal !!str `many` into int"},
		{"section not a mapping", "seeds: [1]\nslurm: gpu\n", "line 2: slurm must be a mapping of keys"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error; want one containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "sweep file t.yaml: ") {
				t.Errorf("error:\n  %v\nwant it to start with the file name and contain\n  %s", err, c.want)
			}
		})
	}
}

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{"4G": 4096, "4GiB": 4096, "512M": 512, "512": 512, "1.5g": 1536, "1T": 1 << 20, "1024K": 1, "1K": 1} {
		got, err := parseMemory(in)
		if err != nil || got != want {
			t.Errorf("parseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "G", "4X", "-1G", "0"} {
		if got, err := parseMemory(in); err == nil {
			t.Errorf("parseMemory(%q) = %d; want an error", in, got)
		}
	}
}

func TestSlurmTime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "0-00:01:00", 150 * time.Minute: "0-02:30:00", 49*time.Hour + 5*time.Second: "2-01:00:05",
	} {
		if got := slurmTime(d); got != want {
			t.Errorf("slurmTime(%v) = %s, want %s", d, got, want)
		}
	}
}
