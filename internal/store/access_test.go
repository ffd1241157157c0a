package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func accessReport(arn string, generated time.Time) iamsweep.AccessReport {
	return iamsweep.AccessReport{
		ARN: arn, Granularity: iamsweep.GranularityAction, Generated: generated, Since: generated.Add(-400 * 24 * time.Hour),
		Services: []iamsweep.ServiceAccess{
			{Namespace: "dynamodb", Name: "Amazon DynamoDB"},
			{Namespace: "s3", Name: "Amazon S3", LastAccessed: generated.Add(-time.Hour), Region: "eu-west-1", ActionLevel: true,
				Actions: []iamsweep.ActionAccess{{Name: "CreateBucket"}, {Name: "ListAllMyBuckets", LastAccessed: generated.Add(-time.Hour), Region: "eu-west-1"}}},
		},
	}
}

func TestStore_AccessReports(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	a, b := "arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:user/ops/b"
	fetched := day(0)
	if err := s.SaveAccessReports(ctx, fetched, []iamsweep.AccessReport{accessReport(a, day(0)), accessReport(b, day(0))}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		arns      []string
		notBefore time.Time
		want      []string
	}{
		{"fresh", []string{a, b}, fetched.Add(-24 * time.Hour), []string{a, b}},
		{"one asked for", []string{b}, fetched.Add(-24 * time.Hour), []string{b}},
		{"not cached", []string{"arn:aws:iam::111111111111:role/c"}, time.Time{}, nil},
		{"fetched exactly at the bound: stale", []string{a}, fetched, nil},
		{"stale", []string{a, b}, fetched.Add(time.Second), nil},
		{"any age", []string{a}, time.Time{}, []string{a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.AccessReports(ctx, tt.arns, tt.notBefore)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]iamsweep.AccessReport{}
			for _, arn := range tt.want {
				want[arn] = accessReport(arn, day(0))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reports (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("a later fetch replaces the row", func(t *testing.T) {
		later := accessReport(a, day(1))
		later.Services = nil
		if err := s.SaveAccessReports(ctx, day(1), []iamsweep.AccessReport{later}); err != nil {
			t.Fatal(err)
		}
		got, err := s.AccessReports(ctx, []string{a, b}, day(0).Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]iamsweep.AccessReport{a: later}, got); diff != "" {
			t.Errorf("reports (-want +got):\n%s", diff)
		}
	})
	t.Run("kept across opens", func(t *testing.T) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2 := openAt(t, path)
		got, err := s2.AccessReports(ctx, []string{b}, time.Time{})
		if err != nil || len(got) != 1 {
			t.Fatalf("AccessReports after reopening: %v, %v", got, err)
		}
	})
	t.Run("bad reports are refused whole", func(t *testing.T) {
		s := openAt(t, path)
		err := s.SaveAccessReports(ctx, day(2), []iamsweep.AccessReport{accessReport("arn:aws:iam::111111111111:role/new", day(2)), {ARN: ""}})
		if err == nil {
			t.Fatal("a report without an ARN was saved")
		}
		got, _ := s.AccessReports(ctx, []string{"arn:aws:iam::111111111111:role/new"}, time.Time{})
		if len(got) != 0 {
			t.Error("the good report of a refused batch was saved")
		}
		if err := s.SaveAccessReports(ctx, day(2), []iamsweep.AccessReport{{ARN: a}}); err == nil {
			t.Error("a report without a date was saved")
		}
	})
}
