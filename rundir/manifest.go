package rundir

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ManifestFormat is the version of manifest.json's layout.
const ManifestFormat = 1

// The values of Manifest.State.
const (
	ManifestCheckpoint = "checkpoint" // written with the checkpoint of a running run
	ManifestComplete   = "complete"   // written when the run completed
)

// FileSum is the size and SHA-256 of a file, or of part of it: the bytes
// [Offset, Size). A streamed file recorded at a checkpoint (Prefix) has its
// rows (or lines) up to the checkpoint there; its header (the bytes before
// Offset) is rewritten as rows are added, and rows after the checkpoint may
// follow.
type FileSum struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Offset int64  `json:"offset,omitempty"`
	Prefix bool   `json:"prefix,omitempty"`
}

// Identity is what a run directory belongs to.
type Identity struct {
	Version       string `json:"version"`        // engine version (model.Version)
	Seed          uint64 `json:"seed"`           // config.yaml's seed
	ConfigSHA256  string `json:"config_sha256"`  // SHA-256 of config.yaml
	NetworkSHA256 string `json:"network_sha256"` // NetworkSHA256 of the network files
}

// Manifest is manifest.json: the run's identity and the size and SHA-256 of
// every file the run wrote (run.json, which changes as the run goes, and the
// lock aside). It is written with every checkpoint (State checkpoint; the
// streamed files as prefixes up to the checkpoint) and when the run
// completes (State complete; every file whole, no checkpoint).
type Manifest struct {
	Format int `json:"format"`
	Identity
	State      string             `json:"state"`
	TrialsDone int                `json:"trials_done"`
	Files      map[string]FileSum `json:"files"`
}

// NetworkFiles are the network's files, in the order NetworkSHA256 hashes
// their sums.
var NetworkFiles = []string{SomaPosFile, ThetaFile, SpinePosFile, SpinePhiFile, SpineOwnerFile, EdgesFile}

// streamedFiles are the files that grow during a run.
var streamedFiles = []string{TrialsFile, ResponsesFile, FramesFile, WSessionsFile}

// manifestFiles are the files a manifest may name.
var manifestFiles = append(append([]string{ConfigFile, WFinalFile, GainFinalFile, CheckpointFile}, NetworkFiles...), streamedFiles...)

// NetworkSHA256 is the SHA-256 over the network files' sums (name and hex
// SHA-256, one line each, in the order of NetworkFiles); "" when one is
// missing from sums.
func NetworkSHA256(sums map[string]FileSum) string {
	h := sha256.New()
	for _, n := range NetworkFiles {
		s, ok := sums[n]
		if !ok || s.Prefix {
			return ""
		}
		fmt.Fprintf(h, "%s %s\n", n, s.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// maxManifestBytes bounds what ReadManifest reads: a manifest is about 2 kB.
const maxManifestBytes = 1 << 20

// WriteManifest writes dir/manifest.json atomically.
func WriteManifest(dir string, m *Manifest) error {
	m.Format = ManifestFormat
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return WriteBytesAtomic(filepath.Join(dir, ManifestFile), append(b, '\n'))
}

// ReadManifest reads dir/manifest.json; ok is false (with a nil error) when
// there is none (a run directory written before manifests, or a run stopped
// before its first checkpoint).
func ReadManifest(dir string) (m *Manifest, ok bool, err error) {
	path := filepath.Join(dir, ManifestFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	if m, err = ParseManifest(b); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return m, true, nil
}

// ParseManifest parses and checks manifest.json's bytes: the format, the
// state, every file a file of the run directory with a size, an offset
// within it and a hex SHA-256, and the network sum that of the files.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("larger than %d bytes; not an iplgpu manifest", maxManifestBytes)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("malformed: %v", shortErr(err))
	}
	if dec.More() {
		return nil, errors.New("malformed: data after the JSON object")
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("format %d; this iplgpu reads format %d", m.Format, ManifestFormat)
	}
	if m.State != ManifestCheckpoint && m.State != ManifestComplete {
		return nil, fmt.Errorf("state %q; want %q or %q", shortStr(m.State), ManifestCheckpoint, ManifestComplete)
	}
	if m.TrialsDone < 0 {
		return nil, fmt.Errorf("trials_done %d < 0", m.TrialsDone)
	}
	if !isSHA256(m.ConfigSHA256) || !isSHA256(m.NetworkSHA256) {
		return nil, errors.New("config_sha256 and network_sha256 must be 64 lower-case hex digits")
	}
	for name, s := range m.Files {
		if !slices.Contains(manifestFiles, name) {
			return nil, fmt.Errorf("names %q, not a file of a run directory", shortStr(name))
		}
		if s.Size < 0 || s.Offset < 0 || s.Offset > s.Size || !isSHA256(s.SHA256) {
			return nil, fmt.Errorf("%s: size %d, offset %d, sha256 %q: want 0 <= offset <= size and 64 lower-case hex digits", name, s.Size, s.Offset, shortStr(s.SHA256))
		}
		if s.Prefix && !slices.Contains(streamedFiles, name) {
			return nil, fmt.Errorf("%s is recorded as a prefix, but only %s grow", name, strings.Join(streamedFiles, ", "))
		}
		if s.Prefix && m.State == ManifestComplete {
			return nil, fmt.Errorf("%s is recorded as a prefix in a complete run's manifest", name)
		}
	}
	if c, ok := m.Files[ConfigFile]; !ok || c.SHA256 != m.ConfigSHA256 {
		return nil, fmt.Errorf("config_sha256 is not the sum it records for %s", ConfigFile)
	}
	if NetworkSHA256(m.Files) != m.NetworkSHA256 {
		return nil, errors.New("network_sha256 is not the sum of the network files it records")
	}
	_, hasCk := m.Files[CheckpointFile]
	if hasCk != (m.State == ManifestCheckpoint) {
		return nil, fmt.Errorf("state %s, but it %s %s", m.State, map[bool]string{true: "records", false: "does not record"}[hasCk], CheckpointFile)
	}
	return &m, nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// shortStr quotes at most 40 bytes of s, for messages.
func shortStr(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

func shortErr(err error) string { return shortStr(err.Error()) }

// hashRange feeds bytes [from, to) of the file at path to h, streaming; an
// error when the file holds fewer than to bytes.
func hashRange(path string, h io.Writer, from, to int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(h, io.NewSectionReader(f, from, to-from))
	if err != nil {
		return err
	}
	if n != to-from {
		return fmt.Errorf("holds %d bytes, fewer than %d", from+n, to)
	}
	return nil
}

// SumFile is the FileSum of the whole file at path.
func SumFile(path string) (FileSum, error) {
	st, err := os.Stat(path)
	if err != nil {
		return FileSum{}, err
	}
	h := sha256.New()
	if err := hashRange(path, h, 0, st.Size()); err != nil {
		return FileSum{}, err
	}
	return FileSum{Size: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Mismatch is a file (its path) that differs from what a manifest or a
// checkpoint records for it.
type Mismatch struct {
	File string
	Why  string
}

func (m Mismatch) Error() string { return m.File + ": " + m.Why }

// verifyFile checks the file at path against s (recorded by `by`); for a
// prefix it returns the hash state after the recorded bytes, for a writer
// that appends after them.
func verifyFile(path string, s FileSum, by string) (hash.Hash, error) {
	name := path
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Mismatch{name, fmt.Sprintf("missing; %s records %d bytes", by, s.Size)}
	}
	if err != nil {
		return nil, Mismatch{name, err.Error()}
	}
	switch {
	case !s.Prefix && st.Size() != s.Size:
		return nil, Mismatch{name, fmt.Sprintf("%d bytes; %s records %d", st.Size(), by, s.Size)}
	case s.Prefix && st.Size() < s.Size:
		return nil, Mismatch{name, fmt.Sprintf("%d bytes, fewer than the %d %s records up to its checkpoint", st.Size(), s.Size, by)}
	}
	h := sha256.New()
	if err := hashRange(path, h, s.Offset, s.Size); err != nil {
		return nil, Mismatch{name, err.Error()}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != s.SHA256 {
		what := "its contents"
		if s.Prefix {
			what = fmt.Sprintf("bytes %d to %d (what the run had written at its checkpoint)", s.Offset, s.Size)
		}
		return nil, Mismatch{name, fmt.Sprintf("%s differ from what %s records (SHA-256 %.12s..., recorded %.12s...)", what, by, got, s.SHA256)}
	}
	return h, nil
}

// Verify checks the files of dir named in m against it, each once, and
// returns every mismatch (nil when all agree). Names in skip are not
// checked.
func (m *Manifest) Verify(dir string, skip ...string) []Mismatch {
	names := make([]string, 0, len(m.Files))
	for n := range m.Files {
		if !slices.Contains(skip, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var bad []Mismatch
	for _, n := range names {
		if _, err := verifyFile(filepath.Join(dir, n), m.Files[n], ManifestFile); err != nil {
			var mm Mismatch
			if !errors.As(err, &mm) {
				mm = Mismatch{n, err.Error()}
			}
			bad = append(bad, mm)
		}
	}
	return bad
}

// streamHash hashes a streamed file's rows as they are written: bytes
// [off, done) are in h.
type streamHash struct {
	h         hash.Hash
	off, done int64
}

// advance hashes the file's bytes from done up to size.
func (s *streamHash) advance(path string, size int64) error {
	if size < s.done {
		return fmt.Errorf("%s: %d bytes, fewer than the %d already hashed", path, size, s.done)
	}
	if err := hashRange(path, s.h, s.done, size); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.done = size
	return nil
}

func (s *streamHash) sum() FileSum {
	return FileSum{Size: s.done, Offset: s.off, Prefix: true, SHA256: hex.EncodeToString(s.h.Sum(nil))}
}

// clone copies the hash state (sha256's digest marshals its state).
func (s *streamHash) clone() *streamHash {
	st, _ := s.h.(encoding.BinaryMarshaler).MarshalBinary()
	h := sha256.New()
	h.(encoding.BinaryUnmarshaler).UnmarshalBinary(st)
	return &streamHash{h: h, off: s.off, done: s.done}
}
