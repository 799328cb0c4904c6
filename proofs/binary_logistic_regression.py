"""Binary logistic regression: the sigmoid and the binary cross-entropy.

A course-library derivation.  One sample with a scalar logit z and a target y
(a probability of the positive class, y in [0, 1]; the gradient holds for any
y, so the target is only asked to be nonnegative).  The prediction is σ(z)
and the loss the binary cross-entropy

    L = −[y log σ(z) + (1 − y) log(1 − σ(z))].

First the derivative of the sigmoid, σ'(z) = σ(z)(1 − σ(z)), then the
gradient of the loss, dL/dz = σ(z) − y, through it.
"""

from derive import D, Case, Proof, Source, as_written, conclusion, exp, log, scalar, sigmoid, step

SOURCE = Source("Course library: binary logistic regression")

# There are no classes here: the cases and conclusions give no classes=.
z = scalar("z")                    # the logit
y = scalar("y", "nonnegative")     # the target probability of the positive class
L = scalar("L")                    # the binary cross-entropy

with as_written():
    LOSS = {L: -(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))}

    SIGMOID_DERIVATIVE = Case(
        "sigmoid-derivative", "The derivative of the sigmoid",
        start=D(sigmoid(z), z),
        steps=(
            step(D((1 + exp(-z)) ** -1, z), "σ(z) = 1/(1 + e^{−z})"),
            step(exp(-z) / (1 + exp(-z)) ** 2, "chain rule: the derivative of 1/u is −u'/u², and u' = −e^{−z}"),
            step(1 / (1 + exp(-z)) * (exp(-z) / (1 + exp(-z))), "split the fraction"),
            step(1 / (1 + exp(-z)) * (1 - 1 / (1 + exp(-z))), "e^{−z}/(1 + e^{−z}) = 1 − 1/(1 + e^{−z})"),
            step(sigmoid(z) * (1 - sigmoid(z)), "recognise σ(z) twice"),
        ),
    )

    GRADIENT = Case(
        "gradient", "The gradient of the binary cross-entropy",
        definitions=LOSS, start=D(L, z),
        steps=(
            step(-(y * D(sigmoid(z), z) / sigmoid(z) - (1 - y) * D(sigmoid(z), z) / (1 - sigmoid(z))),
                 "the derivative of log u is u'/u, for both terms"),
            step(-(y * sigmoid(z) * (1 - sigmoid(z)) / sigmoid(z)
                   - (1 - y) * sigmoid(z) * (1 - sigmoid(z)) / (1 - sigmoid(z))),
                 "σ'(z) = σ(z)(1 − σ(z)), from the case above"),
            step(-(y * (1 - sigmoid(z)) - (1 - y) * sigmoid(z)), "cancel σ(z) and 1 − σ(z)"),
            step(-(y - y * sigmoid(z) - sigmoid(z) + y * sigmoid(z)), "expand the products"),
            step(sigmoid(z) - y, "the terms y σ(z) cancel"),
        ),
    )

PROOF = Proof(
    id="binary-logistic-regression",
    title="Binary logistic regression: the gradient of the binary cross-entropy",
    source=SOURCE,
    claim="σ'(z) = σ(z)(1 − σ(z)) and ∂L/∂z = σ(z) − y",
    cases=[SIGMOID_DERIVATIVE, GRADIENT],
    conclusions=(
        conclusion("sigmoid-derivative", sigmoid(z) * (1 - sigmoid(z)), of=sigmoid(z), wrt=z),
        conclusion("loss-wrt-logit", sigmoid(z) - y, of=L, wrt=z, definitions=LOSS),
    ),
)
