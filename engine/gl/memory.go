package gl

import (
	ogl "github.com/go-gl/gl/v4.3-core/gl"
)

// Memory queries of vendor extensions, which core GL lacks (values from the
// extension specifications; go-gl's core profile does not define them).
const (
	gpuMemoryTotalNVX     = 0x9048 // GL_GPU_MEMORY_INFO_TOTAL_AVAILABLE_MEMORY_NVX, kB
	gpuMemoryAvailableNVX = 0x9049 // GL_GPU_MEMORY_INFO_CURRENT_AVAILABLE_VIDMEM_NVX, kB
	textureFreeMemoryATI  = 0x87FC // GL_TEXTURE_FREE_MEMORY_ATI: 4 ints, the first the free kB of the pool
)

// DeviceMemory returns the device's dedicated memory and the part of it free
// now, in bytes, where the driver says (GL_NVX_gpu_memory_info on NVIDIA;
// GL_ATI_meminfo gives the free memory only, then total = free). ok is false
// where it does not: a software renderer such as llvmpipe uses host memory.
// It may be called from any goroutine, or inside Do.
func (c *Context) DeviceMemory() (total, free int64, ok bool) {
	c.Do(func() error {
		ext := c.extensions()
		switch {
		case ext["GL_NVX_gpu_memory_info"]:
			var t, f int32
			ogl.GetIntegerv(gpuMemoryTotalNVX, &t)
			ogl.GetIntegerv(gpuMemoryAvailableNVX, &f)
			total, free, ok = int64(t)<<10, int64(f)<<10, t > 0
		case ext["GL_ATI_meminfo"]:
			var v [4]int32
			ogl.GetIntegerv(textureFreeMemoryATI, &v[0])
			total, free, ok = int64(v[0])<<10, int64(v[0])<<10, v[0] > 0
		}
		glError("memory query") // a driver that lists but refuses the query leaves ok false
		return nil
	})
	return total, free, ok
}

// extensions lists the context's extensions. Call inside Do.
func (c *Context) extensions() map[string]bool {
	c.mustOnThread("extensions")
	n := getInt(ogl.NUM_EXTENSIONS)
	ext := make(map[string]bool, n)
	for i := range n {
		if p := ogl.GetStringi(ogl.EXTENSIONS, uint32(i)); p != nil {
			ext[ogl.GoStr(p)] = true
		}
	}
	return ext
}
