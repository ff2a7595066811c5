// Package viz is iplgpu's live 3-D window: it shows islets of linked spines
// form while the GL backend simulates, drawing straight from the backend's
// device buffers. It is what 'iplgpu view' opens.
//
// # What the window shows
//
//   - Spines as round points, coloured by their tuning phi on a cyclic colour
//     map with period 180 deg (TuningColour: red 0 deg, yellow-green 45, cyan 90,
//     violet 135), brighter and larger with their potential s. Between trials
//     the window shows s at the end of the last trial's stimulus, so the spines
//     tuned to the last frames light up. While links are shown, spines in no
//     link are dimmed, so that islet members stand out.
//   - Links (IPLs): a line between the two spines of every candidate contact
//     whose structural weight w is above the draw threshold (default 0.2), wider
//     and brighter with w, coloured by the mean tuning of its two spines. Islets
//     read as clusters of linked spines of one colour; in the task, around the
//     orientations A and B = A + 90 deg.
//   - Somata as faint rings in their neuron's preferred orientation's colour.
//   - The colour key, bottom left: a half ring whose colour at screen angle a
//     is the colour of orientation a, with the task's orientations A and B =
//     A + 90 deg marked at their angles.
//   - A scale bar, bottom right: a round length in um at the view's centre.
//   - The heads-up display (HUD), top left: the session, trial, block and its
//     mode (task or passive, and the ablation); the mean w over the candidate
//     contacts, the links (w at or above the islet threshold, 0.5 as in the
//     analysis, or iplgpu view -islet-threshold) and the islets (connected
//     components of links, analysis.Islets); the draw threshold; and a plot of
//     the redundancy % at n = 14 of every recorded task block without
//     ablation so far. A live run estimates each block's value when the
//     block ends, from the spike counts the run records, on a goroutine of its
//     own (BlockRedundancyPct: the analysis's estimate, without its bootstrap);
//     a replay takes them from the run's info.csv, or computes them the same
//     way. ? lists the keys on screen. The HUD is composed on the CPU (text in
//     Go Mono through golang.org/x/image/font/opentype) only when what it says
//     changes, and drawn as textured quads over the rectangles it uses.
//   - The title: session, block, trial, mean rate, the number of links above
//     the draw threshold, and PAUSED.
//
// Everything is blended additively without depth test (overlaps add up like
// light; far things are dimmed), on a dark background.
//
// # Keys and mouse
//
//	left drag    orbit            Space  pause / resume the simulation
//	right drag   pan              L      links on / off
//	scroll       zoom             S      spines on / off
//	R            reset the view   N      somata on / off
//	+ / -        draw threshold   K      colour key on / off
//	?            list the keys    <- ->  previous / next session (replay)
//	A            automatic advance on / off (replay; Space pauses it too)
//	Esc, Q       quit: the run stops after the current trial, as with Ctrl-C,
//	             and its directory keeps every finished trial
//
// The simulation only waits for the window between trials: a frame is drawn
// (and input handled) after every trial, or while paused at ~30 frames per
// second. Camera moves therefore take effect at the next trial while a run is
// going.
//
// # Replaying a run
//
// OpenReplay reads a finished or interrupted run directory (package rundir:
// the network from spine_pos.npy, spine_phi.npy, soma_pos.npy, theta.npy,
// spine_owner.npy and edges.npy; w after each session from w_sessions.npy)
// and Viewer.Replay shows its snapshots one at a time, drawn from buffers of
// its own, without a backend: iplgpu view RUN. It refuses, naming the file, a
// directory without config.yaml and a run without w_sessions.npy
// (output.w_snapshots off) or without a snapshot in it.
//
// # One context, one thread
//
// OpenWindow creates a GLFW 3.3 window with an OpenGL 4.3 core context inside
// an engine/gl Context (gl.NewContextOn): the Context's locked OS thread
// initialises GLFW, creates the window, makes its context current and loads
// go-gl through glfw.GetProcAddress, and from then on runs every GL and GLFW
// call handed to it with Do. The GL backend is created on that Context
// (glbackend.NewBackendOn), so the compute kernels and the render shaders (shaders/
// viz_*.vert, viz_*.frag) share one context and its buffers: the vertex shaders
// read spine positions, potentials, edge ends and (w, e) from the backend's
// storage buffers by gl_VertexID. Only the static anatomy the backend does not
// keep (spine tuning, soma positions) is uploaded by viz, once per network, and
// the only data read back per frame is the four-byte link count (viz_links.comp
// counts the links and marks their spines on the device).
//
// GLFW's documentation asks for its calls on the main thread. That matters on
// macOS (Cocoa), not on Linux with X11, where any one thread will do; here it is
// the GL thread. macOS offers no OpenGL 4.3, so the viewer, like the GL backend,
// is for Linux. GLFW is process-global: one window at a time.
//
// # Without a display
//
// OpenWindow fails with an error wrapping ErrNoDisplay when DISPLAY is unset or
// GLFW cannot reach the X server: run under a virtual X server (xvfb-run -a
// iplgpu view ...), or simulate headless with 'iplgpu run'. Tests skip then,
// unless IPLGPU_REQUIRE_GL=1, where they fail; CI runs them under Xvfb on Mesa
// llvmpipe.
//
// # Pictures for tests and scripts
//
// Render draws one frame of a network loaded into a GL backend into an
// offscreen framebuffer and returns it as an image; Renderer.Image does the same
// with a long-lived Renderer, and Viewer.Image captures the window's current
// view ('iplgpu view -screenshot'). Mat4, Perspective, LookAt and Camera are the
// small matrix helpers the camera needs (column-major, as GL takes them).
package viz
