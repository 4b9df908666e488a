package pdf417

// Reed–Solomon error correction over GF(929) (ISO/IEC 15438 §5.7 and
// Annex F): the generator polynomial of k codewords is
// g(x) = (x − 3)(x − 3²)…(x − 3^k), and the error-correction codewords
// are the negated coefficients of the remainder of d(x)·x^k divided by
// g(x), where d(x) has the data codewords (length descriptor first) as
// coefficients, highest power first.

const gfPrime = 929

// generator returns the coefficients of g(x) for k codewords, lowest power
// first; g is monic (g[k] = 1).
func generator(k int) []int {
	g := make([]int, k+1)
	g[0] = 1
	root := 1
	for i := 1; i <= k; i++ {
		root = root * 3 % gfPrime
		// g ← g · (x − root)
		for j := i; j >= 0; j-- {
			v := g[j] * (gfPrime - root) % gfPrime
			if j > 0 {
				v += g[j-1]
			}
			g[j] = v % gfPrime
		}
	}
	return g
}

// errorCorrection returns the k error-correction codewords of data,
// highest power first (the order they follow the data in the symbol).
func errorCorrection(data []int, k int) []int {
	g := generator(k)
	rem := make([]int, k) // rem[j] is the coefficient of x^j
	for _, d := range data {
		feedback := (d + rem[k-1]) % gfPrime
		for j := k - 1; j > 0; j-- {
			rem[j] = (rem[j-1] + gfPrime - feedback*g[j]%gfPrime) % gfPrime
		}
		rem[0] = (gfPrime - feedback*g[0]%gfPrime) % gfPrime
	}
	out := make([]int, k)
	for j := range k {
		out[k-1-j] = (gfPrime - rem[j]) % gfPrime
	}
	return out
}
