/**
 * Orthogonal Procrustes in 2-D: the rotation or reflection R that brings a frame closest to the
 * previous one (least squares over the same points), so that the picture moves smoothly
 * instead of flipping when an eigenvector changes sign or two axes swap. Distances are kept.
 */

/** R (row-major 2×2) maximising tr(Rᵀ XᵀY): X = `xy`, Y = `prev`, both flat [N, 2]. */
export function procrustesRotation(
  xy: ArrayLike<number>,
  prev: ArrayLike<number>,
): [number, number, number, number] {
  let m00 = 0;
  let m01 = 0;
  let m10 = 0;
  let m11 = 0;
  for (let i = 0; i < xy.length; i += 2) {
    const x0 = xy[i]!;
    const x1 = xy[i + 1]!;
    const y0 = prev[i]!;
    const y1 = prev[i + 1]!;
    m00 += x0 * y0;
    m01 += x0 * y1;
    m10 += x1 * y0;
    m11 += x1 * y1;
  }
  // Rotation [[c, -s], [s, c]]: tr = c(m00 + m11) + s(m10 - m01).
  const rot = Math.hypot(m00 + m11, m10 - m01);
  // Reflection [[c, s], [s, -c]]: tr = c(m00 - m11) + s(m10 + m01).
  const ref = Math.hypot(m00 - m11, m10 + m01);
  if (rot >= ref) {
    const th = Math.atan2(m10 - m01, m00 + m11);
    return [Math.cos(th), -Math.sin(th), Math.sin(th), Math.cos(th)];
  }
  const th = Math.atan2(m10 + m01, m00 - m11);
  return [Math.cos(th), Math.sin(th), Math.sin(th), -Math.cos(th)];
}

/** `xy` aligned to `prev` (same points in the same order); unchanged when there is no `prev`. */
export function alignTo(xy: Float64Array, prev: ArrayLike<number> | null): Float64Array {
  if (!prev || prev.length !== xy.length) return xy;
  const r = procrustesRotation(xy, prev);
  const out = new Float64Array(xy.length);
  for (let i = 0; i < xy.length; i += 2) {
    out[i] = xy[i]! * r[0] + xy[i + 1]! * r[2];
    out[i + 1] = xy[i]! * r[1] + xy[i + 1]! * r[3];
  }
  return out;
}
