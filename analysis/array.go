package analysis

import "github.com/iplgpu/iplgpu/engine/model"

// UtahArray is the virtual Utah array of the spatial analysis for a network
// of config net with somata pos (neurons x 3, um): opt's ArraySize x
// ArraySize electrodes at ArrayPitchUm centred on the slab (the slab of net,
// widened to cover every soma), each with the neurons within
// RecordingRadiusUm of it (zero options take the defaults). Unlike the
// spatial analysis it keeps the electrodes outside the slab (a whole array,
// as NWB export writes it; VirtualArray on a slab padded by the array's span
// on every side, shifted back), so a slab smaller than the array still has
// its electrodes; their positions are in the slab's frame.
func UtahArray(net *model.NetworkConfig, pos []float32, opt Options) ([]Electrode, [3]float64, error) {
	o, err := opt.resolve()
	if err != nil {
		return nil, [3]float64{}, err
	}
	n := len(pos) / 3
	slab := model.SlabSize(net, n)
	x, y := make([]float32, n), make([]float32, n)
	for i := range n {
		for a := range 3 {
			slab[a] = max(slab[a], float64(pos[3*i+a]))
		}
	}
	pad := float64(o.ArraySize) * o.ArrayPitchUm
	for i := range n {
		x[i], y[i] = float32(float64(pos[3*i])+pad), float32(float64(pos[3*i+1])+pad)
	}
	els := VirtualArray(slab[0]+2*pad, slab[1]+2*pad, x, y, ArrayLayout{PitchUm: o.ArrayPitchUm, Size: o.ArraySize, RadiusUm: o.RecordingRadiusUm})
	for k := range els {
		els[k].XUm -= pad
		els[k].YUm -= pad
	}
	return els, slab, nil
}
