"""Hand-written NumPy training of the benchmark MLP and CNN: the speed bar for simplegrad.

Exactly the math simplegrad and PyTorch run (Linear x @ W + b, ReLU, 3x3 conv with padding 1,
2x2 max pool, fused softmax + cross-entropy with mean reduction, PyTorch's Adam), written the
way a careful NumPy programmer would: float32 throughout with Python-float scalars (a NumPy
float64 scalar would silently upcast a float32 ufunc), in-place updates with `out=`, persistent
gradient and optimizer buffers, no input gradient for the first layer, and channels-outermost
(CNHW) images inside the CNN so every conv is one matmul with no layout transposes.
"""
import math

import numpy as np

NAME = "numpy"


def prepare(x, y):
    """Backend-native dataset: NumPy uses the arrays as they are."""
    return x, y


class Adam:
    """PyTorch's Adam (amsgrad=False, no weight decay) updating float32 arrays in place.

    Per parameter: m = lerp(m, g, 1 - b1); v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), as torch.optim.Adam does.
    """

    def __init__(self, params, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.grads = params, grads
        self.lr, (self.beta1, self.beta2), self.eps = float(lr), map(float, betas), float(eps)
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.scratch = [np.empty_like(p) for p in params]
        self.t = 0

    def step(self):
        """One Adam update of every parameter from its gradient buffer."""
        self.t += 1
        b1, b2, eps = self.beta1, self.beta2, self.eps
        step_size = self.lr / (1.0 - b1 ** self.t)             # Python floats: no upcast
        inv_bias2_sqrt = 1.0 / math.sqrt(1.0 - b2 ** self.t)
        for p, g, m, v, tmp in zip(self.params, self.grads, self.m, self.v, self.scratch):
            np.subtract(g, m, out=tmp)                           # m += (1 - b1) (g - m)
            tmp *= 1.0 - b1
            m += tmp
            v *= b2                                              # v = b2 v + (1 - b2) g^2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp
            np.sqrt(v, out=tmp)                                  # denom = sqrt(v)/sqrt(bc2) + eps
            tmp *= inv_bias2_sqrt
            tmp += eps
            np.divide(m, tmp, out=tmp)                           # p -= step_size * m / denom
            tmp *= -step_size
            p += tmp


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of integer labels and its gradient; overwrites `logits` with the grad."""
    batch = logits.shape[0]
    rows = np.arange(batch)
    logits -= logits.max(axis=1, keepdims=True)
    picked = logits[rows, labels]
    np.exp(logits, out=logits)
    total = logits.sum(axis=1, keepdims=True)
    loss = (float(np.log(total).sum()) - float(picked.sum())) / batch
    logits /= total                                              # softmax
    logits[rows, labels] -= 1.0
    logits *= 1.0 / batch
    return loss, logits


class MLP:
    """Linear/ReLU stack trained with fused softmax-cross-entropy and Adam, all by hand."""

    def __init__(self, weights, lr=1e-3):
        self.weights = [w.copy() for w, _ in weights]
        self.biases = [b.copy() for _, b in weights]
        self.grad_w = [np.empty_like(w) for w in self.weights]
        self.grad_b = [np.empty_like(b) for b in self.biases]
        self.optimizer = Adam(self.weights + self.biases, self.grad_w + self.grad_b, lr)

    def forward(self, x):
        """Logits and the inputs of every layer (kept for backward)."""
        inputs, h, last = [], x, len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            inputs.append(h)
            h = h @ w
            h += b
            if i < last:
                np.maximum(h, 0.0, out=h)                        # ReLU in place
        return h, inputs

    def step(self, x, labels):
        """Forward, backward and one Adam update on a batch; returns the loss as a float."""
        logits, inputs = self.forward(x)
        loss, grad = softmax_cross_entropy(logits, labels)
        for i in range(len(self.weights) - 1, -1, -1):
            h = inputs[i]
            np.matmul(h.T, grad, out=self.grad_w[i])
            np.sum(grad, axis=0, out=self.grad_b[i])
            if i:                                                # no gradient for the data
                grad = grad @ self.weights[i].T
                grad *= h > 0.0                                  # ReLU backward (h is post-ReLU)
        self.optimizer.step()
        return loss


def conv3x3_forward(x, w_mat, b):
    """3x3 convolution, padding 1, by im2col on a CNHW array; returns (CNHW output, columns).

    Channels-outermost keeps every copy a run of whole image rows and makes the layer one
    matmul, (out, 9 * C) @ (9 * C, N * H * W), whose result is already CNHW.
    `w_mat` is the (out, C, 3, 3) weight viewed as (out, 9 * C).
    """
    channels, batch, height, width = x.shape
    padded = np.zeros((channels, batch, height + 2, width + 2), dtype=x.dtype)
    padded[:, :, 1:-1, 1:-1] = x
    cols = np.empty((channels, 3, 3, batch, height, width), dtype=x.dtype)
    for i in range(3):
        for j in range(3):
            cols[:, i, j] = padded[:, :, i:i + height, j:j + width]
    cols = cols.reshape(9 * channels, -1)
    out = w_mat @ cols
    out += b[:, None]
    return out.reshape(-1, batch, height, width), cols


def conv3x3_backward(grad, cols, w_mat, grad_w, grad_b, input_shape=None):
    """Write the weight and bias gradients; return the CNHW input gradient if `input_shape`."""
    grad = grad.reshape(grad.shape[0], -1)
    np.matmul(grad, cols.T, out=grad_w)
    np.sum(grad, axis=1, out=grad_b)
    if input_shape is None:
        return None
    channels, batch, height, width = input_shape
    grad_cols = (w_mat.T @ grad).reshape(channels, 3, 3, batch, height, width)
    padded = np.zeros((channels, batch, height + 2, width + 2), dtype=grad.dtype)
    for i in range(3):                                           # col2im: add each tap back
        for j in range(3):
            padded[:, :, i:i + height, j:j + width] += grad_cols[:, i, j]
    return padded[:, :, 1:-1, 1:-1]


def maxpool2_forward(x):
    """2x2 max pool, stride 2, over the last two axes: the max of four strided views."""
    out = np.maximum(x[..., 0::2, 0::2], x[..., 0::2, 1::2])
    np.maximum(out, x[..., 1::2, 0::2], out=out)
    np.maximum(out, x[..., 1::2, 1::2], out=out)
    return out


def maxpool2_relu_backward(grad, x, out):
    """Gradient through max pool and the ReLU before it (`x` is the ReLU output).

    The first maximum of each window gets the gradient, as in PyTorch; all-zero windows get
    none, since ReLU's gradient is 0 there.
    """
    grad_x = np.empty_like(x)
    open_ = out > 0.0                                            # windows still to be routed
    for i in range(2):
        for j in range(2):
            hit = x[..., i::2, j::2] == out
            hit &= open_
            np.multiply(grad, hit, out=grad_x[..., i::2, j::2])
            open_ ^= hit
    return grad_x


class CNN:
    """conv(1->8) relu pool, conv(8->16) relu pool, flatten, linear(784->10), by hand.

    Activations are kept CNHW (channels outermost) between layers; see conv3x3_forward.
    """

    def __init__(self, weights, lr=1e-3):
        (w1, b1), (w2, b2), (wf, bf) = weights
        self.w = [w1.reshape(w1.shape[0], -1).copy(), w2.reshape(w2.shape[0], -1).copy(),
                  wf.copy()]
        self.b = [b1.copy(), b2.copy(), bf.copy()]
        self.grad_w = [np.empty_like(w) for w in self.w]
        self.grad_b = [np.empty_like(b) for b in self.b]
        self.optimizer = Adam(self.w + self.b, self.grad_w + self.grad_b, lr)

    def step(self, x, labels):
        """Forward, backward and one Adam update on NCHW images; returns the loss."""
        batch = x.shape[0]
        x = x.reshape(1, batch, *x.shape[2:])                    # one channel: NCHW is CNHW
        a1, cols1 = conv3x3_forward(x, self.w[0], self.b[0])
        np.maximum(a1, 0.0, out=a1)
        p1 = maxpool2_forward(a1)
        a2, cols2 = conv3x3_forward(p1, self.w[1], self.b[1])
        np.maximum(a2, 0.0, out=a2)
        p2 = maxpool2_forward(a2)
        flat = p2.transpose(1, 0, 2, 3).reshape(batch, -1)       # PyTorch's (C, H, W) order
        logits = flat @ self.w[2]
        logits += self.b[2]
        loss, grad = softmax_cross_entropy(logits, labels)

        np.matmul(flat.T, grad, out=self.grad_w[2])
        np.sum(grad, axis=0, out=self.grad_b[2])
        grad = (grad @ self.w[2].T).reshape(batch, *p2.shape[:1], *p2.shape[2:])
        grad = maxpool2_relu_backward(grad.transpose(1, 0, 2, 3), a2, p2)
        grad = conv3x3_backward(grad, cols2, self.w[1], self.grad_w[1], self.grad_b[1], p1.shape)
        grad = maxpool2_relu_backward(grad, a1, p1)
        conv3x3_backward(grad, cols1, self.w[0], self.grad_w[0], self.grad_b[0])
        self.optimizer.step()
        return loss


def build_mlp(weights, lr=1e-3):
    """The benchmark MLP from shared initial weights."""
    return MLP(weights, lr)


def build_cnn(weights, lr=1e-3):
    """The benchmark CNN from shared initial weights."""
    return CNN(weights, lr)
