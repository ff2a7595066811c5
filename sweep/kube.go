package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// KubernetesJob returns the Indexed Job manifest (batch/v1) of the sweep m
// (spec s) whose directory on this machine is dir: one completion index per
// point. Each pod runs `iplgpu sweep run -dir DIR`, which reads its index from
// JOB_COMPLETION_INDEX (set by Kubernetes in every pod of an Indexed Job). The
// sweep directory must be copied onto the PersistentVolumeClaim
// s.Kubernetes.Claim; DIR is where it appears in the container.
//
// Kubernetes' counterparts of the Slurm script: backoffLimitPerIndex retries a
// failed or evicted point up to s.Kubernetes.Retries times without failing the
// others (Kubernetes 1.29 or later); the pod's activeDeadlineSeconds is the time
// limit; terminationGracePeriodSeconds (slurm.signal_seconds) is the time the run
// has between SIGTERM and SIGKILL to checkpoint.
func KubernetesJob(m *Manifest, s *Spec, dir string) []byte {
	k := s.Kubernetes
	n := len(m.Points)
	par := k.Parallelism
	if par == 0 {
		par = s.Slurm.Limit
	}
	if par == 0 {
		par = DefaultLimit
	}
	par = min(par, n)
	inDir := k.Dir
	if inDir == "" {
		inDir = path.Join(k.Mount, filepath.Base(dir))
	}
	name := kubeName(m.Name)
	r := s.Resources
	q := func(v string) string { b, _ := json.Marshal(v); return string(b) } // a JSON string is a YAML scalar
	var b bytes.Buffer
	fmt.Fprintf(&b, `# Kubernetes Indexed Job for the sweep %[1]s: one completion index per point, %[2]d points.
# Written by iplgpu sweep. Copy the sweep directory onto the PersistentVolumeClaim
# %[3]s so that it is %[4]s in the container, then:
#
#   kubectl apply -f %[5]s
#
# Pod I runs point I (JOB_COMPLETION_INDEX); a point that is done does nothing, one
# that was interrupted resumes from its checkpoint. Needs Kubernetes 1.29 or later.
apiVersion: batch/v1
kind: Job
metadata:
  name: %[6]s
`, m.Name, n, k.Claim, inDir, KubeJobFile, name)
	if k.Namespace != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", k.Namespace)
	}
	labels := func(indent string) {
		fmt.Fprintf(&b, "%[1]sapp.kubernetes.io/name: iplgpu\n%[1]sapp.kubernetes.io/component: sweep\n%[1]siplgpu-sweep: %[2]s\n", indent, q(kubeLabel(m.Name)))
	}
	b.WriteString("  labels:\n")
	labels("    ")
	fmt.Fprintf(&b, `spec:
  completionMode: Indexed
  completions: %d
  parallelism: %d
  backoffLimitPerIndex: %d
  template:
    metadata:
      labels:
`, n, par, k.Retries)
	labels("        ")
	fmt.Fprintf(&b, `    spec:
      restartPolicy: Never
      activeDeadlineSeconds: %d
      terminationGracePeriodSeconds: %d
      containers:
        - name: point
          image: %s
          command: [%s, %s, %s, %s, %s]
          resources:
            requests:
              cpu: %s
              memory: %s
            limits:
              memory: %s
`, int64(r.limit.Seconds()), s.Slurm.SignalSeconds, q(k.Image),
		q("iplgpu"), q("sweep"), q("run"), q("-dir"), q(inDir),
		q(fmt.Sprint(r.CPUs)), q(fmt.Sprintf("%dMi", r.memMiB)), q(fmt.Sprintf("%dMi", r.memMiB)))
	if r.GPUs > 0 {
		fmt.Fprintf(&b, "              nvidia.com/gpu: %s\n", q(fmt.Sprint(r.GPUs)))
	}
	fmt.Fprintf(&b, `          volumeMounts:
            - name: sweeps
              mountPath: %s
      volumes:
        - name: sweeps
          persistentVolumeClaim:
            claimName: %s
`, q(k.Mount), q(k.Claim))
	return b.Bytes()
}

// kubeLabel makes a label value (at most 63 of [A-Za-z0-9._-], alphanumeric at
// both ends) from a sweep name.
func kubeLabel(name string) string {
	if len(name) > 63 {
		name = name[:63]
	}
	return strings.TrimRight(name, "._-")
}

// kubeName makes a Job name (a DNS label short enough for the pods' hostnames,
// which add -INDEX) from a sweep name.
func kubeName(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	s = "iplgpu-" + s
	if len(s) > 50 {
		s = s[:50]
	}
	return strings.TrimRight(s, "-")
}
