package awsapi

import (
	"fmt"
	"testing"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/refs"
)

// refsAccount is an account of roles roles, functions Lambda functions
// (each running as one of the roles, every fifth with a function policy),
// as many CodeBuild projects, Step Functions state machines and
// EventBridge rules (with a target) as a tenth of the functions, and
// buckets S3 buckets (every other one with a policy), spread over the
// three Regions of regions.
func refsAccount(roles, functions, buckets int, regions []string) *fakeaws.Account {
	a := manyRoles(testAccountID, roles)
	res := &fakeaws.Resources{}
	for _, r := range regions {
		res.Regions = append(res.Regions, fakeaws.Region{Name: r, OptInStatus: "opt-in-not-required"})
	}
	roleARN := func(i int) string {
		return fmt.Sprintf("arn:aws:iam::%s:role/app/app-%05d-role", testAccountID, i%roles)
	}
	for i := 0; i < functions; i++ {
		f := fakeaws.Function{Region: regions[i%len(regions)], Name: fmt.Sprintf("fn-%04d", i), Role: roleARN(i)}
		if i%5 == 0 {
			f.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleARN(i+1) + `"},"Action":"lambda:InvokeFunction","Resource":"*"}]}`
		}
		res.Functions = append(res.Functions, f)
		region, name := regions[i%len(regions)], fmt.Sprintf("job-%04d", i)
		switch i % 10 {
		case 0:
			res.Projects = append(res.Projects, fakeaws.Project{Region: region, Name: name, ServiceRole: roleARN(i)})
		case 1:
			res.StateMachines = append(res.StateMachines, fakeaws.StateMachine{Region: region, Name: name, Role: roleARN(i)})
		case 2:
			res.Rules = append(res.Rules, fakeaws.Rule{Region: region, Name: name,
				Targets: []fakeaws.RuleTarget{{ID: "t", ARN: "arn:aws:ecs:" + region + ":" + testAccountID + ":cluster/c", Role: roleARN(i)}}})
		}
	}
	for i := 0; i < buckets; i++ {
		b := fakeaws.Bucket{Region: regions[i%len(regions)], Name: fmt.Sprintf("bucket-%04d", i)}
		if i%2 == 0 {
			b.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleARN(i) + `"},"Action":"s3:GetObject","Resource":"*"}]}`
		}
		res.Buckets = append(res.Buckets, b)
	}
	// Every 100th role was created by one of five CloudFormation stacks,
	// which still manage it.
	for i := 0; i < roles; i += 100 {
		n := (i / 100) % 5
		if len(res.Stacks) <= n {
			res.Stacks = append(res.Stacks, fakeaws.Stack{Region: regions[n%len(regions)], Name: fmt.Sprintf("stack-%d", n), UUID: fmt.Sprintf("%04d", n)})
		}
		st := &res.Stacks[n]
		st.Resources = append(st.Resources, fakeaws.StackResource{LogicalID: fmt.Sprintf("Role%d", i), PhysicalID: a.Roles[i].Name, Type: "AWS::IAM::Role"})
	}
	for i := 0; i < roles; i += 100 {
		st := res.Stacks[(i/100)%5]
		a.Roles[i].Tags = append(a.Roles[i].Tags, fakeaws.Tag{Key: "aws:cloudformation:stack-name", Value: st.Name},
			fakeaws.Tag{Key: "aws:cloudformation:stack-id", Value: fakeaws.StackID(testAccountID, st)})
	}
	a.Resources = res
	return a
}

// refsStacks is how many stacks refsAccount seeds.
func refsStacks(roles int) int { return min(5, (roles+99)/100) }

// refsBound is the most calls reading an account's references may take:
// per account and Region, plus one per resource with a policy, whatever
// the number of principals looked up.
func refsBound(roles, functions, buckets, regions int) int {
	pages := func(n, size int) int { return max(1, (n+size-1)/size) }
	perRegion := functions / regions
	jobs := functions / 10 // of each kind: projects, state machines, rules
	jobsPerRegion := (jobs + regions - 1) / regions
	return pages(roles, PageSize) + // GetAccountAuthorizationDetails
		1 + // DescribeRegions
		regions*(pages(perRegion, 50)+1+1) + // ListFunctions, DescribeInstances, ListKeys
		regions*5 + // ListQueues, ListTopics, ListSecrets, ListTaskDefinitions, DescribeRepositories (none seeded)
		regions*(2*pages(jobsPerRegion, 100)) + // ListProjects, BatchGetProjects
		regions*pages(jobsPerRegion, 1000) + jobs + // ListStateMachines, DescribeStateMachine
		regions*(1+pages(jobsPerRegion, 100)) + jobs + // ListEventBuses, ListRules of the default bus, ListTargetsByRule
		functions + // GetPolicy
		pages(buckets, 1000) + buckets + // ListBuckets, GetBucketPolicy
		refsStacks(roles) // DescribeStackResources, once per stack the principals looked up name
}

// BenchmarkRefs reads the references of an account of 1,000 roles, 500
// functions, 50 each of projects, state machines and rules, and 200
// buckets across 3 Regions, and looks every role up: it
// reports the calls made against the bound, which holds whatever the
// number of principals looked up.
func BenchmarkRefs(b *testing.B) {
	const roles, functions, buckets = 1000, 500, 200
	regions := []string{"eu-west-1", "us-east-1", "us-west-2"}
	srv := fakeaws.New(b, fakeaws.WithAccounts(refsAccount(roles, functions, buckets, regions)))
	cfg := testConfig(srv)
	bound := refsBound(roles, functions, buckets, len(regions))
	var calls, found, managed int
	for b.Loop() {
		srv.ResetCalls()
		idx := refs.NewIndex()
		if err := testClient(b, srv).Roles(b.Context(), func(r iamsweep.Role) error { idx.AddRole(r); return nil }); err != nil {
			b.Fatal(err)
		}
		nc, err := NewBindings(cfg, testAccountID, discardLog(), BindingOptions{}).Bindings(b.Context(), func(x iamsweep.Binding) error {
			idx.AddBinding(x)
			return nil
		})
		if err != nil || len(nc) > 0 {
			b.Fatalf("err %v, not checked %v", err, nc)
		}
		arns := make([]string, roles)
		for i := range arns {
			arns[i] = fmt.Sprintf("arn:aws:iam::%s:role/app/app-%05d-role", testAccountID, i)
		}
		stacks, nc, err := NewBindings(cfg, testAccountID, discardLog(), BindingOptions{}).Stacks(b.Context(), idx.StacksOf(arns))
		if err != nil || len(nc) > 0 {
			b.Fatalf("stacks: err %v, not checked %v", err, nc)
		}
		for _, s := range stacks {
			idx.AddStack(s)
		}
		found, managed = 0, 0
		for _, arn := range arns {
			p, err := idx.Lookup(arn)
			if err != nil {
				b.Fatal(err)
			}
			found += len(p.References)
			for _, r := range p.References {
				if r.Kind == iamsweep.RefCloudFormation && r.Match == "stack-resource" && r.BlocksDelete {
					managed++
				}
			}
		}
		calls = len(srv.Calls())
	}
	if calls > bound {
		b.Errorf("%d calls, over the bound of %d", calls, bound)
	}
	// Every function's role, every function policy and bucket policy,
	// every project's, state machine's and rule target's role, and every
	// stack-managed role's stack.
	if want := functions + functions/5 + buckets/2 + 3*functions/10 + roles/100; found != want {
		b.Errorf("%d references found, want %d", found, want)
	}
	if managed != roles/100 {
		b.Errorf("%d roles found managed by their stack, want %d", managed, roles/100)
	}
	b.ReportMetric(float64(calls), "calls/account")
	b.ReportMetric(float64(bound), "bound-calls/account")
	b.ReportMetric(0, "ns/op") // wall time against a local fake says nothing of AWS
}

// TestBindings_withinBound: a small account's reads stay within the
// bound BenchmarkRefs reports against (less the IAM export's call).
func TestBindings_withinBound(t *testing.T) {
	regions := []string{"eu-west-1", "us-east-1", "us-west-2"}
	srv := fakeaws.New(t, fakeaws.WithAccounts(refsAccount(30, 20, 10, regions)))
	if _, err := NewBindings(testConfig(srv), testAccountID, discardLog(), BindingOptions{}).Bindings(t.Context(), func(iamsweep.Binding) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got, bound := len(srv.Calls()), refsBound(30, 20, 10, 3)-1-refsStacks(30); got > bound {
		t.Errorf("%d calls, over the bound of %d", got, bound)
	}
}
