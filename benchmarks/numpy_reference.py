"""Hand-written NumPy training of the benchmark MLP and CNN: the speed bar for simplegrad.

Exactly the math simplegrad and PyTorch run (Linear x @ W + b, ReLU, 3x3 conv with padding 1,
2x2 max pool, fused softmax + cross-entropy with mean reduction, PyTorch's Adam), written the
way a careful NumPy programmer would: float32 throughout with Python-float scalars (a NumPy
float64 scalar would silently upcast a float32 ufunc), in-place updates with `out=`, persistent
gradient and optimizer buffers, no input gradient for the first layer, and channels-outermost
(CNHW) images inside the CNN so every conv is one matmul with no layout transposes.
Adam runs over L2-sized blocks of each parameter, as simplegrad's optimizers do.
"""
import math

import numpy as np

NAME = "numpy"
BLOCK = 1 << 16      # Adam's block: its passes over 5 such slices stay in a 2 MiB L2 cache


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
        for arrays in zip(self.params, self.grads, self.m, self.v, self.scratch):
            flat = [a.reshape(-1) for a in arrays]                # all contiguous: views
            for start in range(0, flat[0].size, BLOCK):          # blocks that stay in L2
                p, g, m, v, tmp = (a[start:start + BLOCK] for a in flat)
                np.subtract(g, m, out=tmp)                       # m += (1 - b1) (g - m)
                tmp *= 1.0 - b1
                m += tmp
                v *= b2                                          # v = b2 v + (1 - b2) g^2
                np.multiply(g, g, out=tmp)
                tmp *= 1.0 - b2
                v += tmp
                np.sqrt(v, out=tmp)                              # sqrt(v)/sqrt(bc2) + eps
                tmp *= inv_bias2_sqrt
                tmp += eps
                np.divide(m, tmp, out=tmp)                       # p -= step_size * m / denom
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


CHUNK_BYTES = 1 << 20  # im2col columns per batch chunk: L2-sized, as simplegrad's conv2d


def _chunks(channels, batch, hp, wp):
    """Batch slices whose (9 * C, n * Hp * Wp) float32 columns take about CHUNK_BYTES."""
    step = max(1, CHUNK_BYTES // (36 * channels * hp * wp))
    return [slice(s, min(s + step, batch)) for s in range(0, batch, step)]


def _columns(x):
    """im2col of a CNHW chunk for a 3x3 kernel with padding 1: (9 * C, n * Hp * Wp).

    Flattening each channel of the padded input makes every kernel tap (i, j) one contiguous
    copy (the flat array shifted by i * Wp + j); the output is computed on the whole padded
    (Hp, Wp) grid, and its [..., :H, :W] corner is the convolution.
    """
    channels, batch, height, width = x.shape
    hp, wp = height + 2, width + 2
    size = batch * hp * wp
    flat = np.zeros((channels, size + 2 * wp + 2), dtype=x.dtype)
    flat[:, :size].reshape(channels, batch, hp, wp)[:, :, 1:-1, 1:-1] = x
    cols = np.empty((channels, 9, size), dtype=x.dtype)
    for k in range(9):
        offset = (k // 3) * wp + k % 3
        cols[:, k] = flat[:, offset:offset + size]
    return cols.reshape(9 * channels, size)


def conv3x3_forward(x, w_mat, b):
    """3x3 convolution, padding 1, of a CNHW array: the (out, N, Hp, Wp) output grid, and the
    columns when the batch was one chunk (else None: backward rebuilds them chunk by chunk).

    Channels-outermost makes each batch chunk one matmul, (out, 9 * C) @ (9 * C, n * Hp * Wp),
    whose result is already CNHW; chunks keep the columns in cache. `w_mat` is the
    (out, C, 3, 3) weight viewed as (out, 9 * C).
    """
    channels, batch, height, width = x.shape
    out = np.empty((w_mat.shape[0], batch, height + 2, width + 2), dtype=x.dtype)
    chunks = _chunks(channels, batch, height + 2, width + 2)
    for chunk in chunks:
        cols = _columns(x[:, chunk])
        np.matmul(w_mat, cols, out=out[:, chunk].reshape(w_mat.shape[0], -1))
    out += b[:, None, None, None]
    return out, (cols if len(chunks) == 1 else None)


def conv3x3_backward(grad, x, cols, w_mat, grad_w, grad_b, input_grad=True):
    """Write the weight and bias gradients; return the CNHW input gradient if `input_grad`.

    `grad` is on the output grid of conv3x3_forward, zero outside its [..., :H, :W] corner;
    `cols` are the forward's columns, or None to rebuild each chunk's from `x`.
    """
    channels, batch, height, width = x.shape
    hp, wp = height + 2, width + 2
    grad_w.fill(0.0)
    grad_x = np.empty_like(x) if input_grad else None
    for chunk in _chunks(channels, batch, hp, wp):
        chunk_cols = _columns(x[:, chunk]) if cols is None else cols  # given: one chunk
        g = grad[:, chunk].reshape(grad.shape[0], -1)
        if chunk_cols.shape[0] > 16:  # cols @ g.T: OpenBLAS's fast orientation on long shapes
            grad_w += (chunk_cols @ g.T).T
        else:                         # few rows (first layer): 2x faster summed over blocks
            grad_w += sum(chunk_cols[:, s:s + 8192] @ g[:, s:s + 8192].T
                          for s in range(0, chunk_cols.shape[1], 8192)).T
        if input_grad:
            size = chunk_cols.shape[1]
            grad_cols = (w_mat.T @ g).reshape(channels, 9, size)
            flat = np.zeros((channels, size + 2 * wp + 2), dtype=grad.dtype)
            for k in range(9):                                   # col2im: add each tap back
                offset = (k // 3) * wp + k % 3
                flat[:, offset:offset + size] += grad_cols[:, k]
            grad_x[:, chunk] = flat[:, :size].reshape(channels, -1, hp, wp)[:, :, 1:-1, 1:-1]
    np.sum(grad, axis=(1, 2, 3), out=grad_b)
    return grad_x


def maxpool2_forward(x):
    """2x2 max pool, stride 2, over the last two axes; returns (row maxima, output).

    Separable: the max of column pairs, then of row pairs (both whole-array strided maximums).
    """
    rows = np.maximum(x[..., 0::2], x[..., 1::2])
    return rows, np.maximum(rows[..., 0::2, :], rows[..., 1::2, :])


def maxpool2_relu_backward(grad, x, rows, out, grad_x):
    """Write the gradient through max pool and the ReLU before it (`x` is the ReLU output).

    The first maximum of each window gets the gradient, as in PyTorch: the upper row if it holds
    the max, then the left column. All-zero windows get none, since ReLU's gradient is 0 there.
    """
    grad_rows = np.empty_like(rows)
    open_ = out > 0.0
    upper = rows[..., 0::2, :] == out
    upper &= open_
    np.multiply(grad, upper, out=grad_rows[..., 0::2, :])
    open_ ^= upper                                               # max in the lower row
    np.multiply(grad, open_, out=grad_rows[..., 1::2, :])
    left = x[..., 0::2] == rows
    np.multiply(grad_rows, left, out=grad_x[..., 0::2])
    np.subtract(grad_rows, grad_x[..., 0::2], out=grad_x[..., 1::2])  # the rest goes right


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
        loss = self.gradients(x, labels)
        self.optimizer.step()
        return loss

    def gradients(self, x, labels):
        """Forward and backward into the gradient buffers; returns the loss."""
        batch, _, height, width = x.shape
        x = x.reshape(1, batch, height, width)                   # one channel: NCHW is CNHW
        grid1, cols1 = conv3x3_forward(x, self.w[0], self.b[0])
        np.maximum(grid1, 0.0, out=grid1)                        # ReLU on the whole grid
        a1 = grid1[..., :height, :width]
        rows1, p1 = maxpool2_forward(a1)
        grid2, cols2 = conv3x3_forward(p1, self.w[1], self.b[1])
        np.maximum(grid2, 0.0, out=grid2)
        a2 = grid2[..., :height // 2, :width // 2]
        rows2, p2 = maxpool2_forward(a2)
        flat = p2.transpose(1, 0, 2, 3).reshape(batch, -1)       # PyTorch's (C, H, W) order
        logits = flat @ self.w[2]
        logits += self.b[2]
        loss, grad = softmax_cross_entropy(logits, labels)

        np.matmul(flat.T, grad, out=self.grad_w[2])
        np.sum(grad, axis=0, out=self.grad_b[2])
        grad = (grad @ self.w[2].T).reshape(batch, p2.shape[0], *p2.shape[2:])
        grad_grid = np.zeros_like(grid2)                         # zero off the valid corner
        grad = np.ascontiguousarray(grad.transpose(1, 0, 2, 3))  # CNHW like a2: ufuncs over
        maxpool2_relu_backward(grad, a2, rows2, p2,                # mixed orders are 2x slower
                               grad_grid[..., :a2.shape[2], :a2.shape[3]])
        grad = conv3x3_backward(grad_grid, p1, cols2, self.w[1], self.grad_w[1], self.grad_b[1])
        grad_grid = np.zeros_like(grid1)
        maxpool2_relu_backward(grad, a1, rows1, p1, grad_grid[..., :height, :width])
        conv3x3_backward(grad_grid, x, cols1, self.w[0], self.grad_w[0], self.grad_b[0], False)
        return loss


def build_mlp(weights, lr=1e-3):
    """The benchmark MLP from shared initial weights."""
    return MLP(weights, lr)


def build_cnn(weights, lr=1e-3):
    """The benchmark CNN from shared initial weights."""
    return CNN(weights, lr)
