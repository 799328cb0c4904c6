"""The sigmoid is the softmax of two classes, and the binary cross-entropy its cross-entropy.

A course-library derivation.  With two logits z_1, z_2 and p = softmax(z), the
first probability is the sigmoid of the difference of the logits,
p_1 = σ(z_1 − z_2), and the second is p_2 = 1 − σ(z_1 − z_2).  So the
two-class cross-entropy with the target (y, 1 − y) is the binary
cross-entropy of the logit z_1 − z_2, and its gradient with respect to z_1 is
σ(z_1 − z_2) − y = p_1 − y: the softmax gradient and the logistic gradient
agree.
"""

from derive import D, Case, Proof, Source, Vector, as_written, conclusion, exp, log, scalar, sigmoid, softmax, step

SOURCE = Source("Course library: the sigmoid as a two-class softmax")

# The two classes are the two entries of z, a vector of size 2: the cases give no number of classes.
z = Vector("z", size=2)            # the two logits
p = Vector("p", size=2)            # p = softmax(z)
y = scalar("y", "nonnegative")     # the target probability of the first class
L = scalar("L")                    # the two-class cross-entropy

with as_written():
    DEFINITIONS = {
        p: lambda a: softmax(z, a, 2),
        L: -(y * log(p[1]) + (1 - y) * log(p[2])),
    }

    FIRST = Case(
        "first-class", "The first class: p_1 = σ(z_1 − z_2)",
        definitions=DEFINITIONS, start=p[1],
        steps=(
            step(exp(z[1]) / (exp(z[1]) + exp(z[2])), "the softmax of two logits"),
            step(1 / (1 + exp(z[2] - z[1])), "divide above and below by e^{z_1}"),
            step(1 / (1 + exp(-(z[1] - z[2]))), "z_2 − z_1 = −(z_1 − z_2)"),
            step(sigmoid(z[1] - z[2]), "σ(u) = 1/(1 + e^{−u}) with u = z_1 − z_2"),
        ),
    )

    SECOND = Case(
        "second-class", "The second class: p_2 = 1 − σ(z_1 − z_2)",
        definitions=DEFINITIONS, start=p[2],
        steps=(
            step(exp(z[2]) / (exp(z[1]) + exp(z[2])), "the softmax of two logits"),
            step(1 - exp(z[1]) / (exp(z[1]) + exp(z[2])), "the two probabilities sum to 1"),
            step(1 - sigmoid(z[1] - z[2]), "the first case"),
        ),
    )

    GRADIENT = Case(
        "gradient", "The gradient with respect to the first logit",
        definitions=DEFINITIONS, start=D(L, z[1]),
        steps=(
            step(D(-(y * log(sigmoid(z[1] - z[2])) + (1 - y) * log(1 - sigmoid(z[1] - z[2]))), z[1]),
                 "p_1 = σ(z_1 − z_2) and p_2 = 1 − σ(z_1 − z_2) (the cases above): the binary cross-entropy of "
                 "the logit z_1 − z_2"),
            step(-(y * (1 - sigmoid(z[1] - z[2])) - (1 - y) * sigmoid(z[1] - z[2])),
                 "σ' = σ(1 − σ), and ∂(z_1 − z_2)/∂z_1 = 1"),
            step(sigmoid(z[1] - z[2]) - y, "expand; the terms y σ cancel"),
            step(p[1] - y, "the first case: the softmax gradient p_1 − y_1"),
        ),
    )

PROOF = Proof(
    id="sigmoid-two-class-softmax",
    title="The sigmoid as a two-class softmax",
    source=SOURCE,
    claim="softmax(z)_1 = σ(z_1 − z_2) for two logits, and ∂L/∂z_1 = σ(z_1 − z_2) − y = p_1 − y",
    cases=[FIRST, SECOND, GRADIENT],
    conclusions=(
        conclusion("loss-wrt-first-logit", p[1] - y, of=L, wrt=z[1], definitions=DEFINITIONS),
    ),
)
