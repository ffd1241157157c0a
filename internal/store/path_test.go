package store

import (
	"runtime"
	"testing"
)

func TestDefaultPathFrom(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		home    string
		goos    string
		want    string
		wantErr bool
	}{
		{name: "linux default", home: "/home/ann", goos: "linux", want: "/home/ann/.local/share/iamsweep/state.db"},
		{name: "linux home with trailing slash", home: "/home/ann/", goos: "linux", want: "/home/ann/.local/share/iamsweep/state.db"},
		{name: "linux XDG_DATA_HOME", env: map[string]string{"XDG_DATA_HOME": "/data/ann"}, home: "/home/ann", goos: "linux", want: "/data/ann/iamsweep/state.db"},
		{name: "XDG_DATA_HOME needs no home", env: map[string]string{"XDG_DATA_HOME": "/data"}, goos: "linux", want: "/data/iamsweep/state.db"},
		{name: "relative XDG_DATA_HOME is ignored", env: map[string]string{"XDG_DATA_HOME": "data"}, home: "/home/ann", goos: "linux", want: "/home/ann/.local/share/iamsweep/state.db"},
		{name: "empty XDG_DATA_HOME is ignored", env: map[string]string{"XDG_DATA_HOME": ""}, home: "/home/ann", goos: "linux", want: "/home/ann/.local/share/iamsweep/state.db"},
		{name: "freebsd like linux", home: "/usr/home/ann", goos: "freebsd", want: "/usr/home/ann/.local/share/iamsweep/state.db"},
		{name: "macOS default", home: "/Users/ann", goos: "darwin", want: "/Users/ann/Library/Application Support/iamsweep/state.db"},
		{name: "macOS XDG_DATA_HOME wins", env: map[string]string{"XDG_DATA_HOME": "/Users/ann/.data"}, home: "/Users/ann", goos: "darwin", want: "/Users/ann/.data/iamsweep/state.db"},
		{name: "windows LOCALAPPDATA", env: map[string]string{"LOCALAPPDATA": `C:\Users\ann\AppData\Local`}, home: `C:\Users\ann`, goos: "windows", want: `C:\Users\ann\AppData\Local\iamsweep\state.db`},
		{name: "windows LOCALAPPDATA trailing separator", env: map[string]string{"LOCALAPPDATA": `D:\Local\`}, goos: "windows", want: `D:\Local\iamsweep\state.db`},
		{name: "windows UNC LOCALAPPDATA", env: map[string]string{"LOCALAPPDATA": `\\srv\profiles\ann`}, goos: "windows", want: `\\srv\profiles\ann\iamsweep\state.db`},
		{name: "windows without LOCALAPPDATA", home: `C:\Users\ann`, goos: "windows", want: `C:\Users\ann\AppData\Local\iamsweep\state.db`},
		{name: "windows relative LOCALAPPDATA is ignored", env: map[string]string{"LOCALAPPDATA": `Local`}, home: `C:\Users\ann`, goos: "windows", want: `C:\Users\ann\AppData\Local\iamsweep\state.db`},
		{name: "windows XDG_DATA_HOME wins", env: map[string]string{"XDG_DATA_HOME": `E:\xdg`, "LOCALAPPDATA": `C:\L`}, goos: "windows", want: `E:\xdg\iamsweep\state.db`},
		{name: "windows Unix-style XDG_DATA_HOME is not absolute", env: map[string]string{"XDG_DATA_HOME": "/xdg", "LOCALAPPDATA": `C:\L`}, goos: "windows", want: `C:\L\iamsweep\state.db`},
		{name: "linux without home", goos: "linux", wantErr: true},
		{name: "macOS without home", goos: "darwin", wantErr: true},
		{name: "windows without home or LOCALAPPDATA", goos: "windows", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			got, err := DefaultPathFrom(getenv, tt.home, tt.goos)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DefaultPathFrom = %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("DefaultPathFrom = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("/xdg/data is not absolute on Windows")
	}
	t.Setenv("XDG_DATA_HOME", "/xdg/data")
	got, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := DefaultPathFrom(func(string) string { return "/xdg/data" }, "", "linux")
	if got != want {
		t.Errorf("DefaultPath = %q, want %q", got, want)
	}
}
