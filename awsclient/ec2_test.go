package awsclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"rotation-tutor/awsclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/account"
)

// The doctor's EC2 reader sees a VPC's endpoints, routes and security groups exactly as Debian's aws
// CLI (botocore, reading EC2's published model) sees them, against the sandbox's EC2 API.
func TestEC2ReadsWhatTheAWSCLIReads(t *testing.T) {
	testenv.RequireTool(t, "/usr/bin/aws")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	in := sb.Info()
	cfg, err := awsclient.Load(ctx, awsclient.Config{Region: in.Region, EndpointURL: in.SecretsManagerEndpoint,
		AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	ec2 := awsclient.NewEC2(cfg, in.SecretsManagerEndpoint)
	cli := func(args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(ctx, "/usr/bin/aws", append(args, "--output", "json", "--endpoint-url", in.SecretsManagerEndpoint,
			"--region", in.Region, "--profile", in.CredentialsProfile)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_PAGER=", "AWS_SHARED_CREDENTIALS_FILE="+in.CredentialsFile)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("aws %v: %v", args, err)
		}
		return out
	}

	service := account.SecretsManagerService(in.Region)
	eps, err := ec2.VPCEndpoints(ctx, account.VpcID, service)
	if err != nil {
		t.Fatal(err)
	}
	var viaCLI struct {
		VpcEndpoints []struct {
			VpcEndpointID string `json:"VpcEndpointId"`
			Groups        []struct {
				GroupID string `json:"GroupId"`
			}
		}
	}
	if err := json.Unmarshal(cli("ec2", "describe-vpc-endpoints", "--filters", "Name=vpc-id,Values="+account.VpcID,
		"Name=service-name,Values="+service), &viaCLI); err != nil {
		t.Fatal(err)
	}
	if len(eps) != 1 || len(viaCLI.VpcEndpoints) != 1 || eps[0].ID != viaCLI.VpcEndpoints[0].VpcEndpointID ||
		len(eps[0].GroupIDs) != 1 || eps[0].GroupIDs[0] != viaCLI.VpcEndpoints[0].Groups[0].GroupID {
		t.Fatalf("endpoints: ours %+v, the CLI's %+v", eps, viaCLI.VpcEndpoints)
	}

	groups, err := ec2.SecurityGroups(ctx, []string{account.DatabaseGroup, account.EndpointGroup})
	if err != nil {
		t.Fatal(err)
	}
	var groupsCLI struct {
		SecurityGroups []struct {
			GroupID       string `json:"GroupId"`
			IPPermissions []struct {
				IPProtocol       string `json:"IpProtocol"`
				FromPort, ToPort int
				UserIDGroupPairs []struct {
					GroupID string `json:"GroupId"`
				} `json:"UserIdGroupPairs"`
			} `json:"IpPermissions"`
		}
	}
	if err := json.Unmarshal(cli("ec2", "describe-security-groups", "--group-ids", account.DatabaseGroup, account.EndpointGroup), &groupsCLI); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || len(groupsCLI.SecurityGroups) != 2 {
		t.Fatalf("groups: ours %+v, the CLI's %+v", groups, groupsCLI.SecurityGroups)
	}
	for i, g := range groupsCLI.SecurityGroups {
		ours := groups[i]
		if ours.ID != g.GroupID || len(ours.Ingress) != len(g.IPPermissions) {
			t.Fatalf("group %d: ours %+v, the CLI's %+v", i, ours, g)
		}
		for j, p := range g.IPPermissions {
			o := ours.Ingress[j]
			if o.Protocol != p.IPProtocol || o.FromPort != p.FromPort || o.ToPort != p.ToPort || len(o.FromGroups) != len(p.UserIDGroupPairs) {
				t.Fatalf("group %s rule %d: ours %+v, the CLI's %+v", g.GroupID, j, o, p)
			}
			for k, pair := range p.UserIDGroupPairs {
				if o.FromGroups[k] != pair.GroupID {
					t.Fatalf("group %s rule %d: ours %+v, the CLI's %+v", g.GroupID, j, o, p)
				}
			}
		}
	}
	if !groups[0].Ingress[1].Admits(account.DatabasePort, []string{account.FunctionGroup}) ||
		groups[0].Ingress[1].Admits(443, []string{account.FunctionGroup}) {
		t.Errorf("the database's second rule should let the functions in on %d only: %+v", account.DatabasePort, groups[0].Ingress[1])
	}

	// A subnet's routes: the VPC's main table, with the default route through the NAT
	// gateway once the set-up has one.
	routesCLI := func() (id string, nats []string) {
		var out struct {
			RouteTables []struct {
				RouteTableID string `json:"RouteTableId"`
				Routes       []struct {
					DestinationCidrBlock, NatGatewayID, State string
				}
			}
		}
		if err := json.Unmarshal(cli("ec2", "describe-route-tables", "--filters", "Name=vpc-id,Values="+account.VpcID,
			"Name=association.main,Values=true"), &out); err != nil || len(out.RouteTables) != 1 {
			t.Fatalf("the CLI's route tables: %+v, %v", out, err)
		}
		for _, r := range out.RouteTables[0].Routes {
			if r.NatGatewayID != "" {
				nats = append(nats, r.DestinationCidrBlock+" "+r.NatGatewayID+" "+r.State)
			}
		}
		return out.RouteTables[0].RouteTableID, nats
	}
	for _, nat := range []bool{false, true} {
		if err := account.Edit(filepath.Join(dir, account.FileName), func(a *account.Account) error {
			a.Network.NAT = nat
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		rt, err := ec2.SubnetRouteTable(ctx, account.VpcID, account.SubnetA)
		if err != nil {
			t.Fatal(err)
		}
		var ours []string
		for _, r := range rt.Routes {
			if r.NATGatewayID != "" {
				ours = append(ours, r.Destination+" "+r.NATGatewayID+" "+r.State)
			}
		}
		id, theirs := routesCLI()
		if rt.ID != id || !slices.Equal(ours, theirs) || len(ours) != map[bool]int{false: 0, true: 1}[nat] {
			t.Fatalf("NAT %v: ours %s %q, the CLI's %s %q", nat, rt.ID, ours, id, theirs)
		}
	}

	// A refusal comes back as EC2's error code, as the SDK's clients give it.
	bad, err := awsclient.Load(ctx, awsclient.Config{Region: in.Region, EndpointURL: in.SecretsManagerEndpoint,
		AccessKeyID: in.AccessKeyID, SecretAccessKey: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = awsclient.NewEC2(bad, in.SecretsManagerEndpoint).SecurityGroups(ctx, []string{account.DatabaseGroup})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AuthFailure" {
		t.Fatalf("with a wrong secret key: %v; want EC2's AuthFailure", err)
	}
}
