package pdf417

import "strings"

// patterns holds, by cluster index (row mod 3), the bar/space widths of
// each codeword, split out of clusterWidths once.
var patterns = splitPatterns()

func splitPatterns() [3][]string {
	var p [3][]string
	for k, s := range clusterWidths {
		p[k] = strings.Fields(s)
	}
	return p
}

// pattern returns the widths of codeword cw (0..928) in a cluster index.
func pattern(cluster, cw int) string { return patterns[cluster][cw] }
