package awsclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// EC2 reads what the doctor needs to know of a rotation function's VPC — its interface
// endpoints, its subnets' routes and its security groups' ingress rules — through EC2's Query API
// (version 2016-11-15), signed by the SDK's own SigV4 signer with the credentials and Region
// of the same aws.Config as every other client. It is not the SDK's EC2 client on purpose:
// that package is larger than the rest of this program together, and linking it for three
// reads doubled the first `go run .` on a new machine.
type EC2 struct {
	cfg      aws.Config
	endpoint string
	signer   *v4.Signer
}

// NewEC2 reads EC2 at endpointURL, or at the Region's public endpoint when it is "".
func NewEC2(cfg aws.Config, endpointURL string) *EC2 {
	if endpointURL == "" {
		suffix := "amazonaws.com"
		if strings.HasPrefix(cfg.Region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		endpointURL = "https://ec2." + cfg.Region + "." + suffix
	}
	return &EC2{cfg: cfg, endpoint: strings.TrimRight(endpointURL, "/") + "/", signer: v4.NewSigner()}
}

// VPCEndpoint is an interface endpoint of a VPC and the security groups guarding it.
type VPCEndpoint struct {
	ID       string   `xml:"vpcEndpointId"`
	GroupIDs []string `xml:"groupSet>item>groupId"`
}

// SecurityGroup is a group's ingress rules.
type SecurityGroup struct {
	ID      string       `xml:"groupId"`
	Ingress []Permission `xml:"ipPermissions>item"`
}

// Permission lets a protocol and a port range in from other security groups (and address
// ranges, which the doctor does not need). Protocol "-1" is every protocol and port.
type Permission struct {
	Protocol   string   `xml:"ipProtocol"`
	FromPort   int      `xml:"fromPort"`
	ToPort     int      `xml:"toPort"`
	FromGroups []string `xml:"groups>item>groupId"`
}

// Admits says whether the rule lets TCP on port in from one of groups.
func (p Permission) Admits(port int, groups []string) bool {
	tcp := p.Protocol == "-1" || (p.Protocol == "tcp" || p.Protocol == "6") && p.FromPort <= port && port <= p.ToPort
	if !tcp {
		return false
	}
	for _, g := range p.FromGroups {
		for _, want := range groups {
			if g == want {
				return true
			}
		}
	}
	return false
}

// VPCEndpoints are the endpoints of vpcID for serviceName (com.amazonaws.REGION.secretsmanager).
func (c *EC2) VPCEndpoints(ctx context.Context, vpcID, serviceName string) ([]VPCEndpoint, error) {
	var all []VPCEndpoint
	token := ""
	for {
		form := url.Values{"Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {vpcID},
			"Filter.2.Name": {"service-name"}, "Filter.2.Value.1": {serviceName}}
		if token != "" {
			form.Set("NextToken", token)
		}
		var out struct {
			Endpoints []VPCEndpoint `xml:"vpcEndpointSet>item"`
			NextToken string        `xml:"nextToken"`
		}
		if err := c.call(ctx, "DescribeVpcEndpoints", form, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Endpoints...)
		if token = out.NextToken; token == "" {
			return all, nil
		}
	}
}

// SecurityGroups are the groups with these ids.
func (c *EC2) SecurityGroups(ctx context.Context, ids []string) ([]SecurityGroup, error) {
	form := url.Values{}
	for i, id := range ids {
		form.Set("GroupId."+strconv.Itoa(i+1), id)
	}
	var out struct {
		Groups []SecurityGroup `xml:"securityGroupInfo>item"`
	}
	err := c.call(ctx, "DescribeSecurityGroups", form, &out)
	return out.Groups, err
}

// Route sends traffic for a destination to a gateway: "local" (within the VPC), an internet
// gateway (igw-…), or a NAT gateway (NATGatewayID).
type Route struct {
	Destination  string `xml:"destinationCidrBlock"`
	GatewayID    string `xml:"gatewayId"`
	NATGatewayID string `xml:"natGatewayId"`
	State        string `xml:"state"` // active, or blackhole when its target is gone
}

// RouteTable is a subnet's routes.
type RouteTable struct {
	ID     string  `xml:"routeTableId"`
	Routes []Route `xml:"routeSet>item"`
}

// SubnetRouteTable is the route table subnetID uses: the one associated with it, or else
// its VPC's main table, as AWS routes a subnet without an association of its own.
func (c *EC2) SubnetRouteTable(ctx context.Context, vpcID, subnetID string) (RouteTable, error) {
	for _, form := range []url.Values{
		{"Filter.1.Name": {"association.subnet-id"}, "Filter.1.Value.1": {subnetID}},
		{"Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {vpcID}, "Filter.2.Name": {"association.main"}, "Filter.2.Value.1": {"true"}},
	} {
		var out struct {
			Tables []RouteTable `xml:"routeTableSet>item"`
		}
		if err := c.call(ctx, "DescribeRouteTables", form, &out); err != nil {
			return RouteTable{}, err
		}
		if len(out.Tables) > 0 {
			return out.Tables[0], nil
		}
	}
	return RouteTable{}, fmt.Errorf("operation error EC2: DescribeRouteTables, no route table for %s in %s", subnetID, vpcID)
}

// call posts one Query action and decodes its answer into out, or returns the error EC2
// sent as a smithy.APIError, like the SDK's clients do, wrapped with the operation.
func (c *EC2) call(ctx context.Context, action string, form url.Values, out any) error {
	form.Set("Action", action)
	form.Set("Version", "2016-11-15")
	body := []byte(form.Encode())
	fail := func(err error) error { return fmt.Errorf("operation error EC2: %s, %w", action, err) }

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c.cfg.Credentials == nil {
		return fail(fmt.Errorf("no credentials"))
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fail(err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ec2", c.cfg.Region, time.Now()); err != nil {
		return fail(err)
	}
	client := c.cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Errors []struct {
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			} `xml:"Errors>Error"`
		}
		if xml.Unmarshal(b, &e) != nil || len(e.Errors) == 0 {
			return fail(fmt.Errorf("https response error StatusCode: %d", resp.StatusCode))
		}
		return fail(&smithy.GenericAPIError{Code: e.Errors[0].Code, Message: e.Errors[0].Message})
	}
	if err := xml.Unmarshal(b, out); err != nil {
		return fail(fmt.Errorf("decode the answer: %w", err))
	}
	return nil
}
