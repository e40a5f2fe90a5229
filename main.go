// Command rotation-tutor teaches, demonstrates and troubleshoots AWS Secrets Manager
// alternating-users rotation for a MySQL database behind an SSH bastion.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "rotation-tutor: under construction")
	os.Exit(2)
}
