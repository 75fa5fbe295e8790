;; The inverse of im2col.wat, for the input gradient of an NHWC convolution (dilation 1) on the wasm
;; backend's heap (the memory is imported; pointers are byte offsets): dx is zeroed, then every
;; column entry cols[(b, oy, ox), (i, j, k)] is added onto dx[b, oy·sh + i − top, ox·sw + j − left, k],
;; taps in the padding skipped. For one output pixel and one filter row, the taps inside the image
;; are one contiguous run of dx (and of cols): added four lanes at a time, then one at a time. Each
;; element receives its additions in the same order as the JavaScript form (scatterColumns in
;; kernels/column-scatter.ts), so the results are bit-identical. Built to col2im.generated.ts by
;; scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))
  (func (export "col2im")
    (param $cols i32) (param $dx i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
    (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (param $oh i32) (param $ow i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $i i32) (local $iy i32) (local $x0 i32)
    (local $rowBytes i32) (local $tapRowBytes i32) (local $image i32) (local $src i32)
    (local $skip i32) (local $end i32) (local $end4 i32) (local $k i32) (local $at i32) (local $from i32)
    (local.set $rowBytes (i32.shl (i32.mul (local.get $w) (local.get $c)) (i32.const 2)))
    (local.set $tapRowBytes (i32.shl (i32.mul (local.get $fw) (local.get $c)) (i32.const 2)))
    (memory.fill (local.get $dx) (i32.const 0) (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $rowBytes)))
    (local.set $src (local.get $cols))
    (local.set $b (i32.const 0))
    (block $imagesDone (loop $image
      (br_if $imagesDone (i32.ge_s (local.get $b) (local.get $n)))
      (local.set $image (i32.add (local.get $dx) (i32.mul (i32.mul (local.get $b) (local.get $h)) (local.get $rowBytes))))
      (local.set $oy (i32.const 0))
      (block $rowsDone (loop $outRow
        (br_if $rowsDone (i32.ge_s (local.get $oy) (local.get $oh)))
        (local.set $ox (i32.const 0))
        (block $colsDone (loop $outCol
          (br_if $colsDone (i32.ge_s (local.get $ox) (local.get $ow)))
          (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
          ;; The run of filter columns inside the image, in bytes from the run's start: [skip, end).
          (local.set $skip (select (i32.shl (i32.mul (i32.sub (i32.const 0) (local.get $x0)) (local.get $c)) (i32.const 2)) (i32.const 0) (i32.lt_s (local.get $x0) (i32.const 0))))
          (local.set $end (i32.shl (i32.mul
            (select (local.get $fw) (i32.sub (local.get $w) (local.get $x0)) (i32.le_s (i32.add (local.get $x0) (local.get $fw)) (local.get $w)))
            (local.get $c)) (i32.const 2)))
          (local.set $end4 (i32.add (local.get $skip) (i32.and (i32.sub (local.get $end) (local.get $skip)) (i32.const -16))))
          (local.set $i (i32.const 0))
          (block $tapRowsDone (loop $tapRow
            (br_if $tapRowsDone (i32.ge_s (local.get $i) (local.get $fh)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $i)) (local.get $top)))
            (if (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $h)))
              (then
                ;; dx bytes of (iy, x0), and the matching column entries.
                (local.set $at (i32.add (i32.add (local.get $image) (i32.mul (local.get $iy) (local.get $rowBytes)))
                  (i32.shl (i32.mul (local.get $x0) (local.get $c)) (i32.const 2))))
                (local.set $from (local.get $src))
                (local.set $k (local.get $skip))
                (block $done4 (loop $add4
                  (br_if $done4 (i32.ge_s (local.get $k) (local.get $end4)))
                  (v128.store (i32.add (local.get $at) (local.get $k))
                    (f32x4.add (v128.load (i32.add (local.get $at) (local.get $k))) (v128.load (i32.add (local.get $from) (local.get $k)))))
                  (local.set $k (i32.add (local.get $k) (i32.const 16)))
                  (br $add4)))
                (block $done (loop $add
                  (br_if $done (i32.ge_s (local.get $k) (local.get $end)))
                  (f32.store (i32.add (local.get $at) (local.get $k))
                    (f32.add (f32.load (i32.add (local.get $at) (local.get $k))) (f32.load (i32.add (local.get $from) (local.get $k)))))
                  (local.set $k (i32.add (local.get $k) (i32.const 4)))
                  (br $add)))))
            (local.set $src (i32.add (local.get $src) (local.get $tapRowBytes)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tapRow)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $outCol)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $outRow)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $image)))))
