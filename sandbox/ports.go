package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"

	"rotation-tutor/internal/atomicfile"
)

// ports are the loopback ports of the last start. The next start asks for
// them again, so the ssh -L, aws --endpoint-url and known_hosts lines a
// learner copied stay right after a restart, unless another program has
// taken a port meanwhile.
type ports struct {
	Endpoint int `json:"endpoint"`
	Bastion  int `json:"bastion"`
}

const portsFile = "ports.json"

// loadPorts reads the last start's ports; none (zero) if there are none or
// the file is unreadable: they are only a preference.
func loadPorts(dir string) ports {
	var p ports
	if b, err := os.ReadFile(filepath.Join(dir, portsFile)); err == nil {
		if json.Unmarshal(b, &p) != nil {
			return ports{}
		}
	}
	return p
}

func (p ports) save(dir string) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, portsFile), b)
}
