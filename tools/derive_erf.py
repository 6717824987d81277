"""Derive the coefficients of simplegrad/ops/special.py: rational functions P/Q fitted to erf
and erfc at 50-digit precision (mpmath, a maintainer's tool: simplegrad never imports it);
three for float64, one for float32.

    python tools/derive_erf.py     # prints the tuples to paste into special.py

Each fit minimises the relative error on 400 Chebyshev points of its range, by linear least
squares on P(v) - f Q(v) = 0 (Q's constant term 1), reweighted by 1 / Q from the previous
round, which moves the fit toward the minimax one; the printed error is the largest relative
error of the rational function itself, before float64 rounding.
"""
import mpmath as mp

mp.mp.dps = 50
POINTS = 400


def chebyshev_points(a, b, n=POINTS):
    """n points of [a, b], denser towards the ends."""
    return [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * k / (n - 1)) for k in range(n)]


def fit(f, xs, variable, p_degree, q_degree, rounds=6):
    """(P, Q, error): P(v) / Q(v) ~ f(x) with v = variable(x), coefficients constant term first."""
    vs, fs = [variable(x) for x in xs], [f(x) for x in xs]
    weights = [mp.mpf(1)] * len(xs)
    for _ in range(rounds):
        rows, rhs = [], []
        for v, fx, w in zip(vs, fs, weights):
            scale = 1 / (fx * w)
            rows.append([scale * v ** k for k in range(p_degree + 1)]
                        + [-scale * fx * v ** k for k in range(1, q_degree + 1)])
            rhs.append(scale * fx)
        a, b = mp.matrix(rows), mp.matrix(rhs)
        solution = mp.lu_solve(a.T * a, a.T * b)
        p = [solution[k] for k in range(p_degree + 1)]
        q = [mp.mpf(1)] + [solution[p_degree + 1 + k] for k in range(q_degree)]
        weights = [mp.polyval(q[::-1], v) for v in vs]
    error = max(abs(mp.polyval(p[::-1], v) / mp.polyval(q[::-1], v) / fx - 1)
                for v, fx in zip(vs, fs))
    return p, q, error


def main():
    small, middle = mp.mpf("0.75"), mp.mpf(4)
    fits = {
        "SMALL": fit(lambda x: mp.erf(x) / x, chebyshev_points(mp.mpf("1e-6"), small),
                     lambda x: x * x, 5, 4),
        "MIDDLE": fit(lambda x: mp.erfc(x) * mp.exp(x * x), chebyshev_points(small, middle),
                      lambda x: x, 7, 7),
        "LARGE": fit(lambda x: mp.erfc(x) * mp.exp(x * x) * x,
                     chebyshev_points(middle, mp.mpf(30)), lambda x: 1 / (x * x), 5, 5),
        # float32 needs ~1e-8: one formula for all of [0, 10] (erfc(10) is 0 in float32)
        "FLOAT32": fit(lambda x: mp.erfc(x) * mp.exp(x * x),
                       chebyshev_points(mp.mpf(0), mp.mpf(10)), lambda x: x, 5, 5),
    }
    for name, (p, q, error) in fits.items():
        print(f"# {name}: largest relative error {mp.nstr(error, 3)}")
        print(f"{name}_P = ({', '.join(repr(float(c)) for c in p)})")
        print(f"{name}_Q = ({', '.join(repr(float(c)) for c in q)})")


if __name__ == "__main__":
    main()
