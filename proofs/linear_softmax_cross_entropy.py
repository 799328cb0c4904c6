"""A linear layer followed by softmax and cross-entropy: the gradients of the weights and the bias.

A course-library derivation.  An input x of dimension D goes through a linear
layer with a k × D weight matrix W and a bias b, z = W x + b, that is
z_i = Σ_d W_id x_d + b_i; then p = softmax(z) and L = CE(y, p) with a target y
that sums to 1.  As course notes do, the gradient is taken first with respect
to the logits, ∂L/∂z_j = p_j − y_j, and then carried to the parameters by the
chain rule through z:

    ∂L/∂W_jd = (p_j − y_j) x_d        ∂L/∂b_j = p_j − y_j,

that is ∂L/∂W = (p − y) xᵀ and ∂L/∂b = p − y.
"""

from sympy import KroneckerDelta

from derive import (Case, D, Matrix, Proof, Source, SumsToOne, Vector, as_written, classes, conclusion, count,
                    cross_entropy, exp, indices, log, scalar, softmax, step, sum_over)

SOURCE = Source("Course library: a linear layer, softmax and cross-entropy")

k = classes("k")                     # the classes
dim = count("D")                     # the input dimension
i, j, n = indices("i j n")           # classes
d, e = indices("d e", over=dim)      # input components
x = Vector("x", size=dim)            # the input
W = Matrix("W", rows=k, cols=dim)    # the weights
bias = Vector("b")                   # the bias, one per class
z = Vector("z")                      # the logits z = W x + b
p = Vector("p")                      # p = softmax(z)
y = Vector("y", "nonnegative")       # the target
L = scalar("L")                      # the cross-entropy

with as_written():
    DEFINITIONS = {
        z: lambda a: sum_over(W[a, e] * x[e], e, dim) + bias[a],
        p: lambda a: softmax(z, a, k),
        L: cross_entropy(y, p, k),
    }
    S = sum_over(exp(z[n]), n, k)

    LOGITS = Case(
        "logits", "The gradient with respect to the logits",
        classes=k, assumptions=[SumsToOne(y)], definitions=DEFINITIONS, start=D(L, z[j]),
        steps=(
            step(-sum_over(y[i] * D(z[i] - log(S), z[j]), i, k),
                 "log p_i = z_i − log Σ_n e^{z_n}, with z treated as the variable"),
            step(-sum_over(y[i] * (KroneckerDelta(i, j) - p[j]), i, k),
                 "∂z_i/∂z_j = δ_ij, and ∂ log Σ_n e^{z_n}/∂z_j = p_j"),
            step(-y[j] + p[j] * sum_over(y[i], i, k), "the δ_ij picks the term i = j"),
            step(p[j] - y[j], "the target sums to 1"),
        ),
    )

    WEIGHTS = Case(
        "weights", "The gradient with respect to a weight",
        classes=k, assumptions=[SumsToOne(y)], definitions=DEFINITIONS, start=D(L, W[j, d]),
        steps=(
            step(sum_over(D(L, z[i]) * D(z[i], W[j, d]), i, k), "chain rule through the logits z"),
            step(sum_over((p[i] - y[i]) * D(sum_over(W[i, e] * x[e], e, dim) + bias[i], W[j, d]), i, k),
                 "∂L/∂z_i = p_i − y_i (the case above), and z_i = Σ_e W_ie x_e + b_i"),
            step(sum_over((p[i] - y[i]) * KroneckerDelta(i, j) * x[d], i, k),
                 "W_jd appears only in z_j, with the factor x_d"),
            step((p[j] - y[j]) * x[d], "the δ_ij picks the term i = j"),
        ),
    )

    BIAS = Case(
        "bias", "The gradient with respect to a bias",
        classes=k, assumptions=[SumsToOne(y)], definitions=DEFINITIONS, start=D(L, bias[j]),
        steps=(
            step(sum_over(D(L, z[i]) * D(z[i], bias[j]), i, k), "chain rule through the logits z"),
            step(sum_over((p[i] - y[i]) * KroneckerDelta(i, j), i, k),
                 "∂L/∂z_i = p_i − y_i (the first case), and b_j appears only in z_j, with the factor 1"),
            step(p[j] - y[j], "the δ_ij picks the term i = j"),
        ),
    )

PROOF = Proof(
    id="linear-softmax-cross-entropy",
    title="A linear layer, softmax and cross-entropy: the gradients of the weights and the bias",
    source=SOURCE,
    claim="∂L/∂W_jd = (p_j − y_j) x_d and ∂L/∂b_j = p_j − y_j, for z = W x + b, p = softmax(z) and "
          "L = CE(y, p)",
    cases=[LOGITS, WEIGHTS, BIAS],
    conclusions=(
        conclusion("loss-wrt-weights", (p[j] - y[j]) * x[d], of=L, wrt=W[j, d], classes=k,
                   definitions=DEFINITIONS, assumptions=(SumsToOne(y),)),
        conclusion("loss-wrt-bias", p[j] - y[j], of=L, wrt=bias[j], classes=k, definitions=DEFINITIONS,
                   assumptions=(SumsToOne(y),)),
        conclusion("logits-wrt-weights", KroneckerDelta(i, j) * x[d], of=z[i], wrt=W[j, d], classes=k,
                   definitions=DEFINITIONS, note="the Jacobian of the layer, which the chain rule in W uses"),
    ),
)
