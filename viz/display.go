package viz

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultDisplayTimeout is how long OpenWindow waits for the X server to
// answer before giving up.
const DefaultDisplayTimeout = 10 * time.Second

// ProbeDisplay connects to the X server that display (the value of DISPLAY:
// [host]:number[.screen]) names and sends the X11 connection setup; the
// server must answer (accept or refuse) within timeout. Xlib waits forever
// on a server that accepts a connection and never answers, and GLFW with
// it: this turns that hang into an error wrapping ErrNoDisplay.
func ProbeDisplay(display string, timeout time.Duration) error {
	host, rest, ok := strings.Cut(display, ":")
	if !ok || strings.HasPrefix(rest, ":") {
		return fmt.Errorf("viz: %w: DISPLAY=%q is not [host]:number[.screen] (DECnet is not supported)", ErrNoDisplay, display)
	}
	numText, _, _ := strings.Cut(rest, ".")
	num, err := strconv.Atoi(numText)
	if err != nil || num < 0 || num > 65535-6000 {
		return fmt.Errorf("viz: %w: DISPLAY=%q: the display number %q is not a number from 0 to %d", ErrNoDisplay, display, numText, 65535-6000)
	}
	network, addr := "tcp", net.JoinHostPort(host, strconv.Itoa(6000+num))
	if host == "" || host == "unix" {
		network, addr = "unix", fmt.Sprintf("/tmp/.X11-unix/X%d", num)
	}
	deadline := time.Now().Add(timeout)
	conn, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return fmt.Errorf("viz: %w: DISPLAY=%q: cannot connect to %s (%v)", ErrNoDisplay, display, addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	// The connection setup: little-endian, protocol 11.0, no authorisation.
	// Any answer (success, failure or authenticate) shows a live server.
	setup := make([]byte, 12)
	setup[0] = 'l'
	binary.LittleEndian.PutUint16(setup[2:], 11)
	if _, err := conn.Write(setup); err != nil {
		return fmt.Errorf("viz: %w: DISPLAY=%q: %v", ErrNoDisplay, display, err)
	}
	reply := make([]byte, 8)
	if _, err := io.ReadFull(conn, reply); err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("viz: %w: DISPLAY=%q accepted the connection but did not answer within %v (a hung X server?)", ErrNoDisplay, display, timeout)
		}
		return fmt.Errorf("viz: %w: DISPLAY=%q closed the connection without an answer (%v)", ErrNoDisplay, display, err)
	}
	if reply[0] > 2 {
		return fmt.Errorf("viz: %w: DISPLAY=%q answered %d, not an X server's answer", ErrNoDisplay, display, reply[0])
	}
	return nil
}
