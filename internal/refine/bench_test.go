package refine

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
)

// benchPrincipal is a role with 10 managed policies of 20 statements
// each, mixing literal actions, wildcards that must be expanded against
// the real catalogue, a wildcard over services, NotAction and Deny, and
// a report over the services they name.
func benchPrincipal(wide bool) (Principal, iamsweep.AccessReport) {
	services := []string{"s3", "ec2", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "logs", "cloudwatch"}
	p := Principal{ARN: roleARN, Kind: "role", Name: "r", Path: "/"}
	rep := iamsweep.AccessReport{ARN: roleARN, Granularity: iamsweep.GranularityAction, Generated: now, Since: now.AddDate(-1, 0, 0)}
	cat := DefaultCatalog()
	for i, svc := range services {
		sa := iamsweep.ServiceAccess{Namespace: svc, ActionLevel: true}
		if i%3 != 2 {
			sa.LastAccessed = recent
		}
		names, _ := cat.Actions(svc)
		for j, n := range names {
			if j%4 == 0 {
				a := iamsweep.ActionAccess{Name: n}
				if j%8 == 0 {
					a.LastAccessed = recent
				}
				sa.Actions = append(sa.Actions, a)
			}
		}
		rep.Services = append(rep.Services, sa)
	}
	for i := range 10 {
		d := iamsweep.PolicyDocument{Version: "2012-10-17"}
		for j := range 20 {
			svc := services[(i+j)%len(services)]
			s := iamsweep.Statement{Sid: fmt.Sprintf("S%d", j), Effect: "Allow", Resources: []string{"*"}}
			names, _ := cat.Actions(svc)
			switch k := j % 10; {
			case wide && k == 0:
				s.Actions = []string{svc + ":Get*", svc + ":List*"}
			case wide && k == 1:
				s.Actions = []string{"*:Get*"}
			case k == 0:
				s.Actions = []string{svc + ":Describe*"}
			case k == 1:
				s.Actions = []string{svc + ":*"}
			case k == 2 && i == 0:
				s.NotActions = []string{"iam:*", "organizations:*"}
			case k == 3:
				s.Effect = "Deny"
				s.Actions = []string{svc + ":Delete*"}
			case k < 7:
				// Literal actions, as most customer policies list them.
				for n := range 6 {
					s.Actions = append(s.Actions, svc+":"+names[(i*7+j*3+n*11)%len(names)])
				}
				s.Resources = []string{fmt.Sprintf("arn:aws:%s:us-east-1:111122223333:thing/app-%d-*", svc, j)}
			default:
				s.Actions = []string{svc + ":GetObject", svc + ":PutItem", svc + ":CreateThing", svc + ":Put*"}
				s.Conditions = []iamsweep.Condition{{Operator: "StringEquals", Key: "aws:RequestedRegion", Values: []string{"us-east-1"}}}
			}
			d.Statements = append(d.Statements, s)
		}
		p.Managed = append(p.Managed, ManagedPolicy{ARN: fmt.Sprintf("arn:aws:iam::111122223333:policy/p%d", i), Name: fmt.Sprintf("p%d", i), Document: d})
	}
	return p, rep
}

// BenchmarkRefine is the CPU time of the pure step for one role with 10
// policies of 20 statements, of the shapes customer policies have
// (literal actions, service wildcards, one NotAction, Deny); the target
// is under 1 ms per role (reported as bound_ratio: ns/op divided by 1 ms).
func BenchmarkRefine(b *testing.B) { benchRefine(b, false) }

// BenchmarkRefine_wildcards is the worst case: every policy also holds
// "*:Get*" and "svc:Get*"/"svc:List*" over services with hundreds of
// actions, whose narrowed forms exceed IAM's size limit and are refined a
// second time without expansion. Its time is dominated by printing
// documents of thousands of actions.
func BenchmarkRefine_wildcards(b *testing.B) { benchRefine(b, true) }

func benchRefine(b *testing.B, wide bool) {
	p, rep := benchPrincipal(wide)
	o := Options{Now: now}
	DefaultCatalog()
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		if _, err := Refine(p, rep, o); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time of the process (GC included) rather than wall time, which
	// on a shared machine says more about the neighbours.
	perOp := (cpuTime(b) - cpu0) / time.Duration(b.N)
	b.ReportMetric(float64(perOp)/float64(time.Millisecond), "cpu_ms/op")
	b.ReportMetric(float64(perOp)/float64(time.Millisecond), "bound_ratio")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
