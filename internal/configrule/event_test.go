package configrule

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestParseInvocation(t *testing.T) {
	capture := time.Date(2026, 11, 22, 17, 4, 5, 123e6, time.UTC)
	tests := []struct {
		name    string
		in      string
		want    Invocation
		wantErr string
	}{
		{
			name: "periodic",
			in:   `{"awsAccountId":"123456789012","notificationCreationTime":"2016-07-13T21:50:00.373Z","messageType":"ScheduledNotification","recordVersion":"1.0"}`,
			want: Invocation{MessageType: Scheduled, AccountID: "123456789012", Time: time.Date(2016, 7, 13, 21, 50, 0, 373e6, time.UTC)},
		},
		{
			name: "change",
			in: `{"configurationItem":{"configurationItemCaptureTime":"2026-11-22T17:04:05.123Z","awsAccountId":"123456789012","configurationItemStatus":"OK",` +
				`"resourceId":"AROAEXAMPLEEXAMPLE01","resourceName":"app","ARN":"arn:aws:iam::123456789012:role/svc/app","awsRegion":"global",` +
				`"resourceType":"AWS::IAM::Role","configuration":{"roleName":"app"}},"notificationCreationTime":"2026-11-22T17:05:00.000Z","messageType":"ConfigurationItemChangeNotification"}`,
			want: Invocation{MessageType: ItemChanged, AccountID: "123456789012", Time: capture,
				Item: &Item{ResourceType: RoleType, ResourceID: "AROAEXAMPLEEXAMPLE01", ResourceName: "app", ARN: "arn:aws:iam::123456789012:role/svc/app", Status: "OK"}},
		},
		{
			name: "oversized",
			in: `{"configurationItemSummary":{"changeType":"UPDATE","configurationItemVersion":"1.3","configurationItemCaptureTime":"2026-11-22T17:04:05.123Z",` +
				`"configurationStateId":0,"awsAccountId":"123456789012","configurationItemStatus":"OK","resourceType":"AWS::IAM::Role","resourceId":"AROAEXAMPLEEXAMPLE01",` +
				`"resourceName":null,"ARN":"arn:aws:iam::123456789012:role/svc/app","awsRegion":"global"},"messageType":"OversizedConfigurationItemChangeNotification"}`,
			want: Invocation{MessageType: OversizedItemChanged, AccountID: "123456789012", Time: capture,
				Item: &Item{ResourceType: RoleType, ResourceID: "AROAEXAMPLEEXAMPLE01", ARN: "arn:aws:iam::123456789012:role/svc/app", Status: "OK"}},
		},
		{name: "no message type", in: `{}`, wantErr: "invokingEvent: messageType: missing"},
		{name: "other message type", in: `{"messageType":"ConfigurationSnapshotDeliveryCompleted"}`, wantErr: `"ConfigurationSnapshotDeliveryCompleted" is not a message type the rule handles`},
		{name: "periodic without time", in: `{"messageType":"ScheduledNotification"}`, wantErr: "notificationCreationTime: missing"},
		{name: "bad time", in: `{"messageType":"ScheduledNotification","notificationCreationTime":"13/07/2016"}`, wantErr: `got "13/07/2016"`},
		{name: "change without item", in: `{"messageType":"ConfigurationItemChangeNotification"}`, wantErr: "configurationItem: missing from a ConfigurationItemChangeNotification"},
		{name: "item without resource", in: `{"messageType":"ConfigurationItemChangeNotification","configurationItem":{"configurationItemCaptureTime":"2026-11-22T17:04:05Z"}}`, wantErr: "names no resource"},
		{name: "not JSON", in: `ScheduledNotification`, wantErr: "invokingEvent: want a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInvocation(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !iamsweep.IsInputError(err) {
					t.Fatalf("ParseInvocation = %+v, %v; want an input error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseInvocation (-want +got):\n%s", diff)
			}
		})
	}
}

func TestItem(t *testing.T) {
	tests := []struct {
		item    Item
		name    string
		deleted bool
	}{
		{Item{ResourceName: "app", ARN: "arn:aws:iam::1:role/x/other", Status: "OK"}, "app", false},
		{Item{ARN: "arn:aws:iam::123456789012:role/svc/team/app", Status: "ResourceDiscovered"}, "app", false},
		{Item{ARN: "arn:aws:iam::123456789012:role/app", Status: "ResourceDeleted"}, "app", true},
		{Item{ARN: "arn:aws:ec2:us-east-1:1:instance/i-1", Status: "ResourceDeletedNotRecorded"}, "", true},
	}
	for _, tt := range tests {
		if got := tt.item.RoleName(); got != tt.name {
			t.Errorf("%+v: RoleName = %q, want %q", tt.item, got, tt.name)
		}
		if got := tt.item.Deleted(); got != tt.deleted {
			t.Errorf("%+v: Deleted = %v", tt.item, got)
		}
	}
}

func FuzzParseInvocation(f *testing.F) {
	f.Add(`{"messageType":"ScheduledNotification","notificationCreationTime":"2016-07-13T21:50:00.373Z"}`)
	f.Add(`{"messageType":"ConfigurationItemChangeNotification","configurationItem":{"configurationItemCaptureTime":"2026-11-22T17:04:05Z","resourceType":"AWS::IAM::Role","resourceId":"AROA1"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		inv, err := ParseInvocation(s)
		if err != nil {
			if !iamsweep.IsInputError(err) {
				t.Fatalf("error %v is not an input error", err)
			}
			return
		}
		if inv.Time.IsZero() || (inv.MessageType != Scheduled && inv.Item == nil) {
			t.Fatalf("accepted %+v", inv)
		}
	})
}
