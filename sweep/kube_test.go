package sweep

// The Kubernetes manifest is validated with no cluster and no network:
//
//  1. Schema: it is decoded into the Kubernetes API's own Go types
//     (k8s.io/api/batch/v1.Job, the types the API server's OpenAPI schema is
//     generated from) the way the API server's strict field validation does
//     (kubectl apply --validate=strict): sigs.k8s.io/yaml turns YAML into JSON,
//     refusing duplicate keys, and sigs.k8s.io/json's UnmarshalStrict refuses
//     unknown or misspelled fields at any depth, naming their path, and values
//     of the wrong type (quantities such as "6144Mi" are parsed by their type).
//  2. The API server's rules for an Indexed Job that a schema cannot express
//     (required fields, restartPolicy, completions and parallelism bounds,
//     names that must be DNS labels, volumes that mounts refer to), checked
//     below with k8s.io/apimachinery's validation helpers.
//
// Why not a JSON schema file: the published JSON schemas for Kubernetes are
// third-party conversions of the OpenAPI document that would have to be copied
// into this repository and refreshed by hand, and a JSON-schema validator
// would be one more dependency; k8s.io/api is the upstream source, versioned,
// served by the Go module proxy and updated with `go get`. Only this test file
// imports it, so the iplgpu binary does not link it.

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// validateJob checks an Indexed Job manifest for a sweep of n points whose
// directory in the container is dir.
func validateJob(b []byte, n int, dir string) error {
	js, err := yaml.YAMLToJSONStrict(b)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	var j batchv1.Job
	strict, err := kjson.UnmarshalStrict(js, &j)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if len(strict) > 0 {
		return fmt.Errorf("schema: %w", errors.Join(strict...))
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	msgs := func(field string, m []string) {
		for _, s := range m {
			bad("%s: %s", field, s)
		}
	}
	if j.APIVersion != "batch/v1" || j.Kind != "Job" {
		bad("apiVersion/kind = %s/%s, want batch/v1 Job", j.APIVersion, j.Kind)
	}
	msgs("metadata.name", validation.IsDNS1123Subdomain(j.Name))
	// Pods of an Indexed Job get the hostname NAME-INDEX, which must be a DNS label.
	msgs("metadata.name (pod hostname)", validation.IsDNS1123Label(fmt.Sprintf("%s-%d", j.Name, n-1)))
	if j.Namespace != "" {
		msgs("metadata.namespace", validation.IsDNS1123Label(j.Namespace))
	}
	labels := func(field string, l map[string]string) {
		for k, v := range l {
			msgs(field+" key "+k, validation.IsQualifiedName(k))
			msgs(field+" value "+v, validation.IsValidLabelValue(v))
		}
	}
	labels("metadata.labels", j.Labels)
	sp := j.Spec
	if sp.CompletionMode == nil || *sp.CompletionMode != batchv1.IndexedCompletion {
		bad("spec.completionMode must be Indexed")
	}
	if sp.Completions == nil || int(*sp.Completions) != n {
		bad("spec.completions = %v, want %d (one per point)", sp.Completions, n)
	}
	if sp.Completions != nil && *sp.Completions > 100000 {
		bad("spec.completions = %d: Indexed Jobs allow at most 100000", *sp.Completions)
	}
	if sp.Parallelism == nil || *sp.Parallelism < 1 || sp.Completions == nil || *sp.Parallelism > *sp.Completions {
		bad("spec.parallelism = %v: want 1 to completions", sp.Parallelism)
	}
	if sp.BackoffLimitPerIndex == nil || *sp.BackoffLimitPerIndex < 0 {
		bad("spec.backoffLimitPerIndex = %v: want a count of retries per index", sp.BackoffLimitPerIndex)
	}
	if sp.Selector != nil || sp.ManualSelector != nil {
		bad("spec.selector: leave it to the Job controller")
	}
	labels("spec.template.metadata.labels", sp.Template.Labels)
	ps := sp.Template.Spec
	// backoffLimitPerIndex requires restartPolicy Never (a Job allows Never or OnFailure).
	if ps.RestartPolicy != corev1.RestartPolicyNever {
		bad("spec.template.spec.restartPolicy = %q: backoffLimitPerIndex needs Never", ps.RestartPolicy)
	}
	if ps.ActiveDeadlineSeconds == nil || *ps.ActiveDeadlineSeconds < 1 {
		bad("spec.template.spec.activeDeadlineSeconds = %v: want the time limit in seconds", ps.ActiveDeadlineSeconds)
	}
	if ps.TerminationGracePeriodSeconds == nil || *ps.TerminationGracePeriodSeconds < 1 {
		bad("spec.template.spec.terminationGracePeriodSeconds = %v", ps.TerminationGracePeriodSeconds)
	}
	vols := map[string]corev1.Volume{}
	for _, v := range ps.Volumes {
		msgs("volume name", validation.IsDNS1123Label(v.Name))
		if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName == "" {
			bad("volume %s: want a persistentVolumeClaim with a claimName", v.Name)
		} else {
			msgs("claimName", validation.IsDNS1123Subdomain(v.PersistentVolumeClaim.ClaimName))
		}
		vols[v.Name] = v
	}
	if len(ps.Containers) != 1 {
		bad("want one container, have %d", len(ps.Containers))
	}
	for _, c := range ps.Containers {
		msgs("container name", validation.IsDNS1123Label(c.Name))
		if strings.TrimSpace(c.Image) == "" {
			bad("container %s: no image", c.Name)
		}
		want := []string{"iplgpu", "sweep", "run", "-dir", dir}
		if strings.Join(c.Command, "\x00") != strings.Join(want, "\x00") {
			bad("container %s: command %q, want %q (the index comes from JOB_COMPLETION_INDEX)", c.Name, c.Command, want)
		}
		for _, e := range c.Env {
			if e.Name == KubeIndexVar {
				bad("container %s: sets %s itself; Kubernetes sets it in every pod of an Indexed Job", c.Name, KubeIndexVar)
			}
		}
		req, lim := c.Resources.Requests, c.Resources.Limits
		if req.Cpu().IsZero() || req.Memory().IsZero() {
			bad("container %s: requests cpu and memory, have %v", c.Name, req)
		}
		if m, ok := lim[corev1.ResourceMemory]; ok && m.Cmp(*req.Memory()) < 0 {
			bad("container %s: memory limit %s below the request %s", c.Name, m.String(), req.Memory().String())
		}
		mounted := false
		for _, vm := range c.VolumeMounts {
			if _, ok := vols[vm.Name]; !ok {
				bad("container %s: mounts volume %s, which the pod does not have", c.Name, vm.Name)
			}
			if !path.IsAbs(vm.MountPath) {
				bad("container %s: mountPath %q is not absolute", c.Name, vm.MountPath)
			}
			if dir == vm.MountPath || strings.HasPrefix(dir, strings.TrimSuffix(vm.MountPath, "/")+"/") {
				mounted = true
			}
		}
		if !mounted {
			bad("container %s: the sweep directory %s is on no mounted volume", c.Name, dir)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

func TestKubernetesJobValidates(t *testing.T) {
	golden, err := Load("testdata/golden.sweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		spec   *Spec
		sweep  string // the sweep directory on this machine
		inside string // where the manifest must put it in the container
	}{
		{"golden", golden, goldenDir, "/data/glat-scan"},
		{"defaults", mustParse(t, "seeds: [1, 2]\n"), "/home/me/sweeps/Run_01", "/sweeps/Run_01"},
		{"long odd name, one point", mustParse(t, "name: A_very.long.Sweep-name_that-keeps-going-on-and-on-and-on-x\nseeds: [1]\n"), "/s/x", "/sweeps/x"},
		{"explicit dir", mustParse(t, "seeds: [1]\ngrid:\n  a.b: [1, 2, 3]\nkubernetes: {dir: /mnt/shared/sweeps/s1, mount: /mnt/shared, parallelism: 50, retries: 1}\n"), "/x/s1", "/mnt/shared/sweeps/s1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.spec.manifest(path.Base(c.sweep))
			b := KubernetesJob(m, c.spec, c.sweep)
			if err := validateJob(b, len(m.Points), c.inside); err != nil {
				t.Errorf("%v\n---\n%s", err, b)
			}
		})
	}
}

// The validator itself refuses what the API server would.
func TestKubernetesValidatorIsStrict(t *testing.T) {
	good, err := os.ReadFile("testdata/golden.job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJob(good, 12, "/data/glat-scan"); err != nil {
		t.Fatalf("golden job.yaml: %v", err)
	}
	cases := []struct{ name, from, to, want string }{
		{"misspelled field", "completionMode: Indexed", "completionsMode: Indexed", `unknown field "spec.completionsMode"`},
		{"field at the wrong level", "      restartPolicy: Never", "      restartPolicy: Never\n      parallelism: 2", `unknown field "spec.template.spec.parallelism"`},
		{"wrong type", "parallelism: 6", "parallelism: six", "cannot unmarshal string"},
		{"bad quantity", `memory: "6144Mi"`, `memory: "6 GB"`, "quantities must match"},
		{"duplicate field", "parallelism: 6", "parallelism: 6\n  parallelism: 7", "already set"},
		{"not indexed", "completionMode: Indexed", "completionMode: NonIndexed", "completionMode must be Indexed"},
		{"restart policy", "restartPolicy: Never", "restartPolicy: OnFailure", "needs Never"},
		{"completions", "completions: 12", "completions: 11", "want 12"},
		{"bad name", "name: iplgpu-glat-scan", "name: Iplgpu_Glat", "metadata.name"},
		{"no volume", `claimName: "lab-sweeps"`, `claimName: ""`, "want a persistentVolumeClaim"},
		{"index set by hand", `          resources:`, "          env: [{name: JOB_COMPLETION_INDEX, value: \"0\"}]\n          resources:", "sets JOB_COMPLETION_INDEX itself"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := strings.Replace(string(good), c.from, c.to, 1)
			if b == string(good) {
				t.Fatalf("%q not found in the golden job.yaml", c.from)
			}
			err := validateJob([]byte(b), 12, "/data/glat-scan")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
