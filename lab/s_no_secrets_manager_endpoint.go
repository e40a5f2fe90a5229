package lab

import (
	"context"
	"slices"

	"rotation-tutor/doctor"
	"rotation-tutor/sandbox/account"
)

func init() {
	register(Scenario{
		Name: "no-secrets-manager-endpoint", Order: 10,
		What:    "the function's VPC has no Secrets Manager endpoint: rotation times out",
		Heading: doctor.HeadingNoActivityCreds, Hop: doctor.HopFunction, Check: "network",
		Break: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				service := account.SecretsManagerService(w.Info.Region)
				a.Network.Endpoints = slices.DeleteFunc(a.Network.Endpoints, func(e *account.VPCEndpoint) bool { return e.ServiceName == service })
				a.Network.NAT = false
				return nil
			})
		},
		Fix: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				service := account.SecretsManagerService(w.Info.Region)
				if a.Network.EndpointFor(a.Network.VpcID, service) == nil {
					a.Network.Endpoints = append(a.Network.Endpoints, &account.VPCEndpoint{ID: account.SecretsEndpoint,
						VpcID: a.Network.VpcID, ServiceName: service, SubnetIDs: a.Network.Subnets,
						SecurityGroupIDs: []string{account.EndpointGroup}, PrivateDNS: true})
				}
				restoreRule(a, account.EndpointGroup, account.FunctionGroup, 443, false)
				return nil
			})
		},
	})
}
