;; The row passes of a training batch norm over NHWC data seen as M rows of C channels, in
;; WebAssembly SIMD on the wasm backend's heap (imported memory; pointers are byte offsets). The
;; per-channel arithmetic on [C] vectors stays in JavaScript (wasm-batch-norm-training.ts).
;;
;; channelSums(mode, x, mean, dy, out, m, c): per channel, in float64 (out holds 2C doubles):
;;   mode 0: out[c] = sum x             mode 1: out[c] = sum (x - mean)^2
;;   mode 2: out[c] = sum dy, out[C + c] = sum dy * (x - mean)
;; centeredAffine(x, a, k, b, y, m, c): y = (x - a) * k + b per channel (a, k, b: [C] float32).
;; batchNormGradRows(dy, x, mean, k, a, g, dx, m, c): dx = k * (dy - a - (x - mean) * g).
;; Four channels at a time, the remainder one at a time. Built to batch-norm.generated.ts by
;; scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))

  ;; float32 lanes 0-1 and 2-3 of v as float64 pairs, added to the doubles at p and p + 16
  (func $addWide (param $p i32) (param $v v128)
    (v128.store (local.get $p)
      (f64x2.add (v128.load (local.get $p)) (f64x2.promote_low_f32x4 (local.get $v))))
    (v128.store offset=16 (local.get $p)
      (f64x2.add (v128.load offset=16 (local.get $p))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))))

  (func $addScalar (param $p i32) (param $v f32)
    (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.promote_f32 (local.get $v)))))

  (func (export "channelSums")
    (param $mode i32) (param $x i32) (param $mean i32) (param $dy i32) (param $out i32) (param $m i32) (param $c i32)
    (local $row i32) (local $k i32) (local $end4 i32) (local $rowBytes i32) (local $xr i32) (local $dr i32)
    (local $v v128) (local $d v128) (local $s f32) (local $e f32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $c) (i32.const 4)))
    (local.set $row (i32.const 0))
    (block $doneRow (loop $loopRow
      (br_if $doneRow (i32.ge_u (local.get $row) (local.get $m)))
      (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $row) (local.get $rowBytes))))
      (local.set $dr (i32.add (local.get $dy) (i32.mul (local.get $row) (local.get $rowBytes))))
      (local.set $k (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $end4)))
        (local.set $v (v128.load (i32.add (local.get $xr) (local.get $k))))
        (if (i32.ne (local.get $mode) (i32.const 0)) (then
          (local.set $v (f32x4.sub (local.get $v) (v128.load (i32.add (local.get $mean) (local.get $k)))))))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then
            (local.set $d (v128.load (i32.add (local.get $dr) (local.get $k))))
            (call $addWide (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 1))) (local.get $d))
            (call $addWide (i32.add (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))) (i32.shl (local.get $k) (i32.const 1)))
              (f32x4.mul (local.get $d) (local.get $v))))
          (else
            (if (i32.eq (local.get $mode) (i32.const 1)) (then (local.set $v (f32x4.mul (local.get $v) (local.get $v)))))
            (call $addWide (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 1))) (local.get $v))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $loopK)))
      (block $doneT (loop $loopT
        (br_if $doneT (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $s (f32.load (i32.add (local.get $xr) (local.get $k))))
        (if (i32.ne (local.get $mode) (i32.const 0)) (then
          (local.set $s (f32.sub (local.get $s) (f32.load (i32.add (local.get $mean) (local.get $k)))))))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then
            (local.set $e (f32.load (i32.add (local.get $dr) (local.get $k))))
            (call $addScalar (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 1))) (local.get $e))
            (call $addScalar (i32.add (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))) (i32.shl (local.get $k) (i32.const 1)))
              (f32.mul (local.get $e) (local.get $s))))
          (else
            (if (i32.eq (local.get $mode) (i32.const 1)) (then (local.set $s (f32.mul (local.get $s) (local.get $s)))))
            (call $addScalar (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 1))) (local.get $s))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $loopT)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopRow))))

  (func (export "centeredAffine")
    (param $x i32) (param $a i32) (param $kv i32) (param $b i32) (param $y i32) (param $m i32) (param $c i32)
    (local $row i32) (local $k i32) (local $end4 i32) (local $rowBytes i32) (local $off i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $row (i32.const 0))
    (block $doneRow (loop $loopRow
      (br_if $doneRow (i32.ge_u (local.get $row) (local.get $m)))
      (local.set $off (i32.mul (local.get $row) (local.get $rowBytes)))
      (local.set $k (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $end4)))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $off) (local.get $k)))
          (f32x4.add
            (f32x4.mul
              (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k)))) (v128.load (i32.add (local.get $a) (local.get $k))))
              (v128.load (i32.add (local.get $kv) (local.get $k))))
            (v128.load (i32.add (local.get $b) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $loopK)))
      (block $doneT (loop $loopT
        (br_if $doneT (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (f32.store (i32.add (local.get $y) (i32.add (local.get $off) (local.get $k)))
          (f32.add
            (f32.mul
              (f32.sub (f32.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k)))) (f32.load (i32.add (local.get $a) (local.get $k))))
              (f32.load (i32.add (local.get $kv) (local.get $k))))
            (f32.load (i32.add (local.get $b) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $loopT)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopRow))))

  (func (export "batchNormGradRows")
    (param $dy i32) (param $x i32) (param $mean i32) (param $kv i32) (param $a i32) (param $g i32) (param $dx i32) (param $m i32) (param $c i32)
    (local $row i32) (local $k i32) (local $end4 i32) (local $rowBytes i32) (local $off i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $row (i32.const 0))
    (block $doneRow (loop $loopRow
      (br_if $doneRow (i32.ge_u (local.get $row) (local.get $m)))
      (local.set $off (i32.mul (local.get $row) (local.get $rowBytes)))
      (local.set $k (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $end4)))
        (v128.store (i32.add (local.get $dx) (i32.add (local.get $off) (local.get $k)))
          (f32x4.mul
            (v128.load (i32.add (local.get $kv) (local.get $k)))
            (f32x4.sub
              (f32x4.sub (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $k)))) (v128.load (i32.add (local.get $a) (local.get $k))))
              (f32x4.mul
                (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k)))) (v128.load (i32.add (local.get $mean) (local.get $k))))
                (v128.load (i32.add (local.get $g) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $loopK)))
      (block $doneT (loop $loopT
        (br_if $doneT (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (f32.store (i32.add (local.get $dx) (i32.add (local.get $off) (local.get $k)))
          (f32.mul
            (f32.load (i32.add (local.get $kv) (local.get $k)))
            (f32.sub
              (f32.sub (f32.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $k)))) (f32.load (i32.add (local.get $a) (local.get $k))))
              (f32.mul
                (f32.sub (f32.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k)))) (f32.load (i32.add (local.get $mean) (local.get $k))))
                (f32.load (i32.add (local.get $g) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $loopT)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopRow)))))
