package lab

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/doctor"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/bastion"
)

// The learner's path: one fault each, on the bastion's hops.
func init() {
	register(Scenario{
		Name: "bastion-sg-closed", Order: 100,
		What: "the bastion's security group no longer lets the learner in on port 22",
		Hop:  doctor.HopBastion, Check: "TCP reachable",
		Break: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				dropRule(a, account.BastionGroup, a.Network.LearnerCIDR)
				return nil
			})
		},
		Fix: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				restoreRule(a, account.BastionGroup, a.Network.LearnerCIDR, 22, true)
				return nil
			})
		},
	})
	register(Scenario{
		Name: "key-refused", Order: 110,
		What: "the learner's key was taken out of the bastion's authorized_keys",
		Hop:  doctor.HopBastion, Check: "SSH auth",
		Break: func(_ context.Context, w *World) error {
			fp, err := learnerKey(w)
			if err != nil {
				return err
			}
			return w.Account(func(a *account.Account) error {
				if !slices.Contains(a.Bastion.RevokedKeys, fp) {
					a.Bastion.RevokedKeys = append(a.Bastion.RevokedKeys, fp)
				}
				return nil
			})
		},
		Fix: func(_ context.Context, w *World) error {
			fp, err := learnerKey(w)
			if err != nil {
				return err
			}
			return w.Account(func(a *account.Account) error {
				a.Bastion.RevokedKeys = slices.DeleteFunc(a.Bastion.RevokedKeys, func(k string) bool { return k == fp })
				return nil
			})
		},
	})
	register(Scenario{
		Name: "host-key-changed", Order: 120,
		What: "the bastion was rebuilt with a new host key",
		Hop:  doctor.HopBastion, Check: "host key",
		Break: func(_ context.Context, w *World) error {
			return bastion.RotateHostKey(filepath.Join(w.Dir, "bastion"))
		},
		Fix: func(_ context.Context, w *World) error {
			// The learner's side: trust the new key (after checking it), as the doctor says.
			b, err := os.ReadFile(filepath.Join(w.Dir, "bastion", bastion.HostKeyFile))
			if err != nil {
				return err
			}
			signer, err := ssh.ParsePrivateKey(b)
			if err != nil {
				return err
			}
			line := bastion.KnownHostsLine(w.Info.Bastion.Host+":"+itoa(w.Info.Bastion.Port), signer.PublicKey())
			return os.WriteFile(w.Info.Bastion.KnownHostsFile, []byte(line+"\n"), 0o600)
		},
	})
	register(Scenario{
		Name: "forwarding-prohibited", Order: 130,
		What: "the bastion's sshd_config says AllowTcpForwarding no",
		Hop:  doctor.HopBastion, Check: "forward to database",
		Break: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error { a.Bastion.AllowTCPForwarding = false; return nil })
		},
		Fix: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error { a.Bastion.AllowTCPForwarding = true; return nil })
		},
	})
	register(Scenario{
		Name: "bastion-cannot-reach-db", Order: 140,
		What: "the database's security group does not admit the bastion",
		Hop:  doctor.HopBastion, Check: "forward to database",
		Break: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				dropRule(a, account.DatabaseGroup, account.BastionGroup)
				return nil
			})
		},
		Fix: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				restoreRule(a, account.DatabaseGroup, account.BastionGroup, account.DatabasePort, false)
				return nil
			})
		},
	})
}

// learnerKey is the fingerprint of the key the sandbox gave the learner.
func learnerKey(w *World) (string, error) {
	b, err := os.ReadFile(w.Info.Bastion.PrivateKeyFile)
	if err != nil {
		return "", err
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return "", err
	}
	return ssh.FingerprintSHA256(signer.PublicKey()), nil
}
