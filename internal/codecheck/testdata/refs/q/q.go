// Package q is a fixture: q.T, q.New, q.T.Run and q.T.Field exist; q.Gone
// and q.T.Gone do not; fmt.Println is another module's; OldName is none.
package q

// T is a type.
type T struct{ Field int }

// Run is a method.
func (t *T) Run() {}

// New makes a T.
func New() *T { return &T{} }
