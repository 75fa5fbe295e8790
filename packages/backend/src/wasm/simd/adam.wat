;; One Adam step over flat float32 vectors, in WebAssembly SIMD, on the wasm backend's heap (the
;; memory is imported; pointers are byte offsets). For every element, in tfjs Adam's order, each
;; operation rounded to float32 as tfjs' element-wise kernels round it (so results are bit-identical):
;;   m' = m·β1 + g·(1−β1)          v' = v·β2 + (g·g)·(1−β2)
;;   w' = ((m'/(1−β1^t)) / (sqrt(v'/(1−β2^t)) + ε))·(−lr) + w
;; m and v are updated in place; w' goes to $out (which may be $w). The scalars are the float32
;; values tfjs' scalar tensors hold. Four lanes at a time, then the remaining elements one at a time.
;; Built to adam.generated.ts by scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $out i32) (param $n i32)
    (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32)
    (param $oneMinusAccBeta1 f32) (param $oneMinusAccBeta2 f32) (param $epsilon f32) (param $negLr f32)
    (local $i i32) (local $end4 i32) (local $end i32)
    (local $b1 v128) (local $c1 v128) (local $b2 v128) (local $c2 v128) (local $a1 v128) (local $a2 v128)
    (local $eps v128) (local $lr v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $b1 (f32x4.splat (local.get $beta1)))
    (local.set $c1 (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $c2 (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $a1 (f32x4.splat (local.get $oneMinusAccBeta1)))
    (local.set $a2 (f32x4.splat (local.get $oneMinusAccBeta2)))
    (local.set $eps (f32x4.splat (local.get $epsilon)))
    (local.set $lr (f32x4.splat (local.get $negLr)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done4 (loop $loop4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $mv
        (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
          (f32x4.mul (local.get $gv) (local.get $c1))))
      (local.set $vv
        (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $c2))))
      (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mv))
      (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add
          (f32x4.mul
            (f32x4.div
              (f32x4.div (local.get $mv) (local.get $a1))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $a2))) (local.get $eps)))
            (local.get $lr))
          (v128.load (i32.add (local.get $w) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $loop4)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
      (local.set $ms
        (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $beta1))
          (f32.mul (local.get $gs) (local.get $oneMinusBeta1))))
      (local.set $vs
        (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $beta2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $oneMinusBeta2))))
      (f32.store (i32.add (local.get $m) (local.get $i)) (local.get $ms))
      (f32.store (i32.add (local.get $v) (local.get $i)) (local.get $vs))
      (f32.store (i32.add (local.get $out) (local.get $i))
        (f32.add
          (f32.mul
            (f32.div
              (f32.div (local.get $ms) (local.get $oneMinusAccBeta1))
              (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $oneMinusAccBeta2))) (local.get $epsilon)))
            (local.get $negLr))
          (f32.load (i32.add (local.get $w) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $loop)))))
