package awsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// FunctionSide are the clients that read a rotation function's side of the set-up: its
// Lambda configuration and resource policy, its VPC, its role, and its log group.
type FunctionSide struct {
	Lambda *lambda.Client
	EC2    *EC2
	IAM    *iam.Client
	Logs   *cloudwatchlogs.Client
}

// NewFunctionSide makes them for cfg; an endpoint URL, when given, serves them all (the
// sandbox's endpoint does).
func NewFunctionSide(cfg aws.Config, endpointURL string) FunctionSide {
	at := func(p **string) {
		if endpointURL != "" {
			*p = aws.String(endpointURL)
		}
	}
	return FunctionSide{
		Lambda: lambda.NewFromConfig(cfg, func(o *lambda.Options) { at(&o.BaseEndpoint) }),
		EC2:    NewEC2(cfg, endpointURL),
		IAM:    iam.NewFromConfig(cfg, func(o *iam.Options) { at(&o.BaseEndpoint) }),
		Logs:   cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { at(&o.BaseEndpoint) }),
	}
}
