package fixlone

import "zz/srvalias"

func after() {
	_ = &srvalias.Server{} // want `http\.Server literal sets neither`
}
