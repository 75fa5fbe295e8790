;; Input gradient of a ReLU from its output, in WebAssembly SIMD, on the wasm backend's heap (the
;; memory is imported; pointers are byte offsets): dx = dy where y > 0, else +0. One pass over
;; dy and y, four lanes at a time (a compare mask ANDed with dy), then the remaining elements one
;; at a time. dx may be dy itself. Built to relu-grad.generated.ts by scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))
  (func (export "reluGrad") (param $dy i32) (param $y i32) (param $dx i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $done4 (loop $loop4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
      (v128.store (i32.add (local.get $dx) (local.get $i))
        (v128.and
          (v128.load (i32.add (local.get $dy) (local.get $i)))
          (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $i))) (v128.const f32x4 0 0 0 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $loop4)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (f32.store (i32.add (local.get $dx) (local.get $i))
        (select
          (f32.load (i32.add (local.get $dy) (local.get $i)))
          (f32.const 0)
          (f32.gt (f32.load (i32.add (local.get $y) (local.get $i))) (f32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $loop)))))
