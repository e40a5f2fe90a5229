package secretsmanager

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestBatchGetByIdList(t *testing.T) {
	e := newEnv(t, withIdentities(Options{}))
	a := e.create(t, "team/a", "value a")
	e.create(t, "team/b", "value b")
	e.create(t, "team/denied", "value d")
	must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("team/empty")}))(t)
	e.create(t, "team/deleted", "x")
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("team/deleted")}))(t)
	e.putPolicy(t, "team/denied", `{"Version":"2012-10-17","Statement":{"Sid":"NotThisOne","Effect":"Deny","Principal":{"AWS":"`+learnerARN+`"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`)

	ids := []string{aws.ToString(a.ARN), "team/b", "team/missing", "team/denied", "team/empty", "team/deleted"}
	out := must(e.as(learnerKey).BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{SecretIdList: ids}))(t)
	var got []string
	for _, v := range out.SecretValues {
		got = append(got, aws.ToString(v.Name)+"="+aws.ToString(v.SecretString))
		if !slices.Equal(v.VersionStages, []string{"AWSCURRENT"}) || v.VersionId == nil || v.CreatedDate == nil || v.ARN == nil {
			t.Fatalf("entry %+v", v)
		}
	}
	if strings.Join(got, ",") != "team/a=value a,team/b=value b" {
		t.Fatalf("SecretValues %v", got)
	}
	want := map[string]string{
		"team/missing": typeResourceNotFound + ": " + msgSecretNotFound,
		"team/denied":  typeAccessDenied + ": User: " + learnerARN + " is not authorized to perform: secretsmanager:GetSecretValue on resource: team/denied with an explicit deny in a resource-based policy",
		"team/empty":   typeResourceNotFound + ": " + fmt.Sprintf(msgNoValueForStage, "AWSCURRENT"),
		"team/deleted": typeInvalidRequest + ": " + msgMarkedForDeletion,
	}
	if len(out.Errors) != len(want) {
		t.Fatalf("Errors %+v", out.Errors)
	}
	for _, x := range out.Errors {
		if w := want[aws.ToString(x.SecretId)]; w != aws.ToString(x.ErrorCode)+": "+aws.ToString(x.Message) {
			t.Errorf("error for %s: %s: %s, want %s", aws.ToString(x.SecretId), aws.ToString(x.ErrorCode), aws.ToString(x.Message), w)
		}
	}
	if out.NextToken != nil {
		t.Fatalf("NextToken %q for a list that fits one answer", aws.ToString(out.NextToken))
	}
	// Reading through the batch is a read: the access date moves.
	if d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("team/b")}))(t); d.LastAccessedDate == nil {
		t.Fatal("a batch read left no LastAccessedDate")
	}
}

func TestBatchGetByFilters(t *testing.T) {
	e := newEnv(t, Options{})
	for i := range 5 {
		e.create(t, fmt.Sprintf("app/%d", i), fmt.Sprintf("v%d", i))
		e.clock.Advance(time.Second)
	}
	e.create(t, "other", "o")
	p := sm.NewBatchGetSecretValuePaginator(e.client, &sm.BatchGetSecretValueInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"app/"}}}, MaxResults: aws.Int32(2)})
	var names []string
	pages := 0
	for p.HasMorePages() {
		page := must(p.NextPage(ctx))(t)
		pages++
		if len(page.SecretValues) > 2 || len(page.Errors) != 0 {
			t.Fatalf("page %+v", page)
		}
		for _, v := range page.SecretValues {
			names = append(names, aws.ToString(v.Name))
		}
	}
	if pages != 3 || strings.Join(names, ",") != "app/4,app/3,app/2,app/1,app/0" {
		t.Fatalf("%d pages: %v (newest first, as ListSecrets)", pages, names)
	}
	// Another Region's secrets are not this Region's.
	out := must(newRegionClient(e.url, "eu-west-1").BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{
		Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"app/"}}}}))(t)
	if len(out.SecretValues) != 0 {
		t.Fatalf("eu-west-1 answered %d values", len(out.SecretValues))
	}
}

func TestBatchGetRefusals(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "a", "x")
	filter := []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"a"}}}
	cases := []struct {
		name string
		in   sm.BatchGetSecretValueInput
		code string
	}{
		{"neither", sm.BatchGetSecretValueInput{}, typeInvalidParameter},
		{"both", sm.BatchGetSecretValueInput{SecretIdList: []string{"a"}, Filters: filter}, typeInvalidParameter},
		{"MaxResults with ids", sm.BatchGetSecretValueInput{SecretIdList: []string{"a"}, MaxResults: aws.Int32(1)}, typeInvalidParameter},
		{"21 ids", sm.BatchGetSecretValueInput{SecretIdList: slices.Repeat([]string{"a"}, 21)}, typeValidation},
		{"MaxResults 21", sm.BatchGetSecretValueInput{Filters: filter, MaxResults: aws.Int32(21)}, typeValidation},
		{"bad token", sm.BatchGetSecretValueInput{Filters: filter, NextToken: aws.String("nope")}, typeInvalidNextToken},
		{"bad filter", sm.BatchGetSecretValueInput{Filters: []types.Filter{{Key: "colour", Values: []string{"x"}}}}, typeValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.BatchGetSecretValue(ctx, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
}
