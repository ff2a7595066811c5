package gl

import (
	"fmt"
	"unsafe"

	ogl "github.com/go-gl/gl/v4.3-core/gl"
)

// Buffer is a shader storage buffer (SSBO) of a fixed size. Its methods must be
// called inside Context.Do.
type Buffer struct {
	c    *Context
	id   uint32
	size int
	name string
}

// Elem is the element types that Upload and Download move: the scalar types of
// std430 arrays (and bytes).
type Elem interface {
	~float32 | ~uint32 | ~int32 | ~float64 | ~uint64 | ~int64 | ~uint16 | ~int16 | ~uint8 | ~int8
}

// NewBuffer creates an SSBO of size bytes, zero-filled, named name in errors.
// It refuses, before allocating, a size larger than GL_MAX_SHADER_STORAGE_BLOCK_SIZE
// (one binding could not span it; split the array instead), and reports
// GL_OUT_OF_MEMORY as an error naming the buffer. Call inside Do.
func (c *Context) NewBuffer(name string, size int) (*Buffer, error) {
	c.mustOnThread("NewBuffer")
	if size < 0 {
		panic(fmt.Sprintf("engine/gl: NewBuffer %q: negative size %d", name, size))
	}
	if limit := c.limits.MaxSSBOBlockSize; int64(size) > limit {
		return nil, fmt.Errorf("engine/gl: buffer %q needs %d bytes (%.1f MiB), more than GL_MAX_SHADER_STORAGE_BLOCK_SIZE = %d bytes (%.1f MiB) on %s; split the array or use a smaller network",
			name, size, float64(size)/(1<<20), limit, float64(limit)/(1<<20), c.info.Renderer)
	}
	// GL allows empty buffers but not empty bindings; keep a word so that an empty
	// array can still be bound.
	alloc := max(size, 16)
	b := &Buffer{c: c, size: size, name: name}
	glError("before NewBuffer") // do not blame this buffer for older errors
	ogl.GenBuffers(1, &b.id)
	ogl.BindBuffer(ogl.COPY_WRITE_BUFFER, b.id)
	ogl.BufferData(ogl.COPY_WRITE_BUFFER, alloc, nil, ogl.DYNAMIC_COPY)
	ogl.BindBuffer(ogl.COPY_WRITE_BUFFER, 0)
	if err := glError(fmt.Sprintf("allocating buffer %q of %d bytes", name, size)); err != nil {
		ogl.DeleteBuffers(1, &b.id)
		return nil, err
	}
	b.Clear()
	return b, nil
}

// Clear zero-fills the buffer, after the shader writes issued before it. Call
// inside Do.
func (b *Buffer) Clear() {
	b.c.mustOnThread("Buffer.Clear")
	b.checkRange("clear", 0, b.size)
	ogl.MemoryBarrier(ogl.BUFFER_UPDATE_BARRIER_BIT)
	ogl.BindBuffer(ogl.COPY_WRITE_BUFFER, b.id)
	ogl.ClearBufferData(ogl.COPY_WRITE_BUFFER, ogl.R32UI, ogl.RED_INTEGER, ogl.UNSIGNED_INT, nil)
	ogl.BindBuffer(ogl.COPY_WRITE_BUFFER, 0)
}

// CopyFrom copies the first n bytes of src to the start of b, on the device,
// after the shader writes issued before it. CheckError reports a failure.
// Call inside Do.
func (b *Buffer) CopyFrom(src *Buffer, n int) {
	b.c.mustOnThread("Buffer.CopyFrom")
	src.checkRange("copy", 0, n)
	b.checkRange("copy", 0, n)
	if n == 0 {
		return
	}
	ogl.MemoryBarrier(ogl.BUFFER_UPDATE_BARRIER_BIT)
	ogl.BindBuffer(ogl.COPY_READ_BUFFER, src.id)
	ogl.BindBuffer(ogl.COPY_WRITE_BUFFER, b.id)
	ogl.CopyBufferSubData(ogl.COPY_READ_BUFFER, ogl.COPY_WRITE_BUFFER, 0, 0, n)
	ogl.BindBuffer(ogl.COPY_READ_BUFFER, 0)
	ogl.BindBuffer(ogl.COPY_WRITE_BUFFER, 0)
}

// ID is the GL buffer name, for drawing straight from the buffer (viz).
func (b *Buffer) ID() uint32 { return b.id }

// Size is the size in bytes asked for.
func (b *Buffer) Size() int { return b.size }

// Name is the name given at creation.
func (b *Buffer) Name() string { return b.name }

// Delete frees the buffer. Call inside Do.
func (b *Buffer) Delete() {
	b.c.mustOnThread("Buffer.Delete")
	if b.id != 0 {
		ogl.DeleteBuffers(1, &b.id)
		b.id = 0
	}
}

func (b *Buffer) checkRange(op string, offset, n int) {
	if b.id == 0 {
		panic(fmt.Sprintf("engine/gl: %s on deleted buffer %q", op, b.name))
	}
	if offset < 0 || n < 0 || offset+n > b.size {
		panic(fmt.Sprintf("engine/gl: %s of buffer %q: bytes [%d, %d) outside [0, %d)", op, b.name, offset, offset+n, b.size))
	}
}

// UploadBytes writes src at byte offset, after the shader writes issued before
// it. Call inside Do.
func (b *Buffer) UploadBytes(offset int, src []byte) error {
	b.c.mustOnThread("Buffer.UploadBytes")
	return b.transfer("upload", "to", offset, src, ogl.COPY_WRITE_BUFFER, ogl.BufferSubData)
}

// DownloadBytes reads len(dst) bytes from byte offset into dst, after the shader
// writes issued before it (it waits for them). Call inside Do.
func (b *Buffer) DownloadBytes(offset int, dst []byte) error {
	b.c.mustOnThread("Buffer.DownloadBytes")
	return b.transfer("download", "from", offset, dst, ogl.COPY_READ_BUFFER, ogl.GetBufferSubData)
}

// transfer runs call (BufferSubData or GetBufferSubData) on target bound to b
// for the bytes of p at offset, after the shader writes issued before it; op
// and dir ("upload", "to") name it in errors.
func (b *Buffer) transfer(op, dir string, offset int, p []byte, target uint32, call func(target uint32, offset, size int, data unsafe.Pointer)) error {
	b.checkRange(op, offset, len(p))
	if len(p) == 0 {
		return nil
	}
	ogl.MemoryBarrier(ogl.BUFFER_UPDATE_BARRIER_BIT)
	ogl.BindBuffer(target, b.id)
	call(target, offset, len(p), unsafe.Pointer(&p[0]))
	ogl.BindBuffer(target, 0)
	return glError(fmt.Sprintf("%sing %d bytes %s buffer %q", op, len(p), dir, b.name))
}

// Upload writes src into b starting at element first (in units of T). Call inside Do.
func Upload[T Elem](b *Buffer, first int, src []T) error {
	var zero T
	sz := int(unsafe.Sizeof(zero))
	return b.UploadBytes(first*sz, asBytes(src))
}

// Download reads len(dst) elements of b starting at element first. Call inside Do.
func Download[T Elem](b *Buffer, first int, dst []T) error {
	var zero T
	sz := int(unsafe.Sizeof(zero))
	return b.DownloadBytes(first*sz, asBytes(dst))
}

func asBytes[T Elem](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero)))
}

// BindBase binds the whole buffer to SSBO binding point binding (the
// layout(binding = N) of a shader's buffer block). Call inside Do.
func (b *Buffer) BindBase(binding int) {
	b.c.mustOnThread("Buffer.BindBase")
	b.checkBinding(binding)
	ogl.BindBufferBase(ogl.SHADER_STORAGE_BUFFER, uint32(binding), b.id)
}

// BindRange binds bytes [offset, offset+size) to binding point binding, for an
// array split over several bindings. offset must be a multiple of
// Limits.SSBOOffsetAlignment. Call inside Do.
func (b *Buffer) BindRange(binding, offset, size int) {
	b.c.mustOnThread("Buffer.BindRange")
	b.checkBinding(binding)
	b.checkRange("BindRange", offset, size)
	if a := b.c.limits.SSBOOffsetAlignment; offset%a != 0 {
		panic(fmt.Sprintf("engine/gl: BindRange of buffer %q at offset %d, not a multiple of GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT = %d", b.name, offset, a))
	}
	ogl.BindBufferRange(ogl.SHADER_STORAGE_BUFFER, uint32(binding), b.id, offset, max(size, 4))
}

func (b *Buffer) checkBinding(binding int) {
	if b.id == 0 {
		panic(fmt.Sprintf("engine/gl: binding deleted buffer %q", b.name))
	}
	if n := b.c.limits.MaxSSBOBindings; binding < 0 || binding >= n {
		panic(fmt.Sprintf("engine/gl: binding %d for buffer %q outside [0, %d) (GL_MAX_SHADER_STORAGE_BUFFER_BINDINGS)", binding, b.name, n))
	}
}
