package codecheck

// MaxLines and MaxParams bound a non-test function: longer ones are split
// into named steps, longer parameter lists become an options struct, unless
// SizeAllowed states why not.
const (
	MaxLines  = 100
	MaxParams = 6
)

// notYet marks a function that is to be split and has not been yet: listed
// so that the list can only shrink.
const notYet = "not split yet"

// SizeAllowed are the functions over MaxLines or MaxParams, each with the
// reason it stays so.
var SizeAllowed = map[string]string{
	"engine/model/Config.Validate": "a flat list of range checks, one per config key",
	"engine/model/Imply":           "a flat sequence of the quantities a config implies, one after another",
	"fisher/BootstrapContext":      "Bootstrap's six arguments after the context, which goes first by Go convention",
}
