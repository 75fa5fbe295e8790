;; The patch matrix of an NHWC convolution (dilation 1) on the wasm backend's heap (the memory is
;; imported; pointers are byte offsets): for every output pixel (b, oy, ox), tap after tap (i, j),
;; the c input values at (oy·sh + i − top, ox·sw + j − left), or c zeros where that falls in the
;; padding. One bulk copy (or fill) of c floats per pixel and tap. Built to im2col.generated.ts by
;; scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))
  (func (export "im2col")
    (param $x i32) (param $out i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
    (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (param $oh i32) (param $ow i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $i i32) (local $j i32) (local $iy i32) (local $ix i32)
    (local $bytes i32) (local $dst i32) (local $image i32) (local $row i32)
    (local.set $bytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $dst (local.get $out))
    (local.set $b (i32.const 0))
    (block $imagesDone (loop $image
      (br_if $imagesDone (i32.ge_s (local.get $b) (local.get $n)))
      (local.set $image (i32.add (local.get $x) (i32.mul (i32.mul (local.get $b) (local.get $h)) (i32.mul (local.get $w) (local.get $bytes)))))
      (local.set $oy (i32.const 0))
      (block $rowsDone (loop $outRow
        (br_if $rowsDone (i32.ge_s (local.get $oy) (local.get $oh)))
        (local.set $ox (i32.const 0))
        (block $colsDone (loop $outCol
          (br_if $colsDone (i32.ge_s (local.get $ox) (local.get $ow)))
          (local.set $i (i32.const 0))
          (block $tapRowsDone (loop $tapRow
            (br_if $tapRowsDone (i32.ge_s (local.get $i) (local.get $fh)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $i)) (local.get $top)))
            (local.set $row (i32.add (local.get $image) (i32.mul (local.get $iy) (i32.mul (local.get $w) (local.get $bytes)))))
            (local.set $j (i32.const 0))
            (block $tapColsDone (loop $tapCol
              (br_if $tapColsDone (i32.ge_s (local.get $j) (local.get $fw)))
              (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (local.get $j)) (local.get $left)))
              (if (i32.and
                    (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $h)))
                    (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.lt_s (local.get $ix) (local.get $w))))
                (then (memory.copy (local.get $dst) (i32.add (local.get $row) (i32.mul (local.get $ix) (local.get $bytes))) (local.get $bytes)))
                (else (memory.fill (local.get $dst) (i32.const 0) (local.get $bytes))))
              (local.set $dst (i32.add (local.get $dst) (local.get $bytes)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $tapCol)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tapRow)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $outCol)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $outRow)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $image)))))
