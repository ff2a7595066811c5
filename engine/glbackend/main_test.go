package glbackend

import (
	"os"
	"testing"

	"github.com/iplgpu/iplgpu/engine/gl/gltest"
)

func TestMain(m *testing.M) { os.Exit(gltest.Main(m)) }
