package ec2

import (
	"encoding/xml"
	"net/url"
	"slices"
	"strings"
)

// The sandbox's VPC has one route table, its main one, which every subnet uses: the local
// route, and the default route through the NAT gateway when the account set-up has one.
const vpcCIDR = "10.0.0.0/16"

type routeXML struct {
	Destination string `xml:"destinationCidrBlock"`
	GatewayID   string `xml:"gatewayId,omitempty"`
	NATGateway  string `xml:"natGatewayId,omitempty"`
	Origin      string `xml:"origin"`
	State       string `xml:"state"`
}

type associationXML struct {
	ID           string `xml:"routeTableAssociationId"`
	RouteTableID string `xml:"routeTableId"`
	Main         bool   `xml:"main"`
	State        string `xml:"associationState>state"`
}

type routeTableXML struct {
	ID           string           `xml:"routeTableId"`
	VpcID        string           `xml:"vpcId"`
	Owner        string           `xml:"ownerId"`
	Routes       []routeXML       `xml:"routeSet>item"`
	Associations []associationXML `xml:"associationSet>item"`
}

// describeRouteTables answers with the main table unless a filter leaves it out. It has
// no explicit subnet association, so a filter on association.subnet-id always does, as it
// does on AWS for a subnet that uses its VPC's main table.
func (h *handler) describeRouteTables(form url.Values) (any, *fault) {
	a := h.st.Get()
	vpc := a.Network.VpcID
	suffix := strings.TrimPrefix(vpc, "vpc-")
	table := routeTableXML{ID: "rtb-" + suffix, VpcID: vpc, Owner: h.owner,
		Routes:       []routeXML{{Destination: vpcCIDR, GatewayID: "local", Origin: "CreateRouteTable", State: "active"}},
		Associations: []associationXML{{ID: "rtbassoc-" + suffix, RouteTableID: "rtb-" + suffix, Main: true, State: "associated"}}}
	if a.Network.NAT {
		table.Routes = append(table.Routes, routeXML{Destination: "0.0.0.0/0", NATGateway: "nat-" + suffix, Origin: "CreateRoute", State: "active"})
	}
	out := struct {
		XMLName   xml.Name        `xml:"DescribeRouteTablesResponse"`
		Xmlns     string          `xml:"xmlns,attr"`
		RequestID string          `xml:"requestId"`
		Tables    []routeTableXML `xml:"routeTableSet>item"`
	}{Xmlns: namespace, RequestID: "REQUESTID"}
	fl := filters(form)
	ids := list(form, "RouteTableId")
	_, bySubnet := fl["association.subnet-id"]
	if !bySubnet && (len(ids) == 0 || slices.Contains(ids, table.ID)) && matches(fl, "vpc-id", vpc) &&
		matches(fl, "route-table-id", table.ID) && matches(fl, "association.main", "true") {
		out.Tables = append(out.Tables, table)
	}
	return out, nil
}
