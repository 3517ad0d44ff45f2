-- nslab.json: decoding is lua-cjson's, made to give what nslab's own
-- decoder gave (integers, json.null, arrays); encoding stays nslab's own
-- (sorted keys, indentation, [] for an empty list), which cjson 2.1 cannot do.
package.path = (os.getenv("NSLAB_SRC") or ".") .. "/lua/?.lua;" .. package.path
local json = require "nslab.json"

describe("nslab.json", function()
  it("decodes whole numbers as integers, null as json.null, lists as arrays", function()
    local v = json.decode('{"a": 24, "b": 2.5, "c": null, "d": [1, {"e": -7}], "f": "x\\u00e9\\n", "g": 1e3}')
    assert.are.equal("integer", math.type(v.a))
    assert.are.equal(24, v.a)
    assert.are.equal("float", math.type(v.b))
    assert.are.equal(json.null, v.c)
    assert.are.equal("integer", math.type(v.d[2].e))
    assert.are.equal("xé\n", v.f)
    assert.are.equal(1000, v.g)
    assert.are.equal("integer", math.type(v.g))
    -- what it decoded encodes back the same (keys sorted)
    assert.are.equal('{"a":24,"b":2.5,"c":null,"d":[1,{"e":-7}],"f":"xé\\n","g":1000}', json.encode(v))
  end)

  it("says what is wrong with bad text, without raising", function()
    for _, bad in ipairs { "{x", "[1,", "", "nul", '{"a":1} x' } do
      local v, err = json.decode(bad)
      assert.is_nil(v, bad)
      assert.is_truthy(err:find("^json: "), err)
    end
  end)

  it("encodes sorted and indented, with [] for an empty array and {} for an empty object", function()
    assert.are.equal('{\n  "a": [],\n  "b": {},\n  "c": [\n    1\n  ]\n}',
      json.encode({ c = { 1 }, b = {}, a = json.array() }, { indent = "  " }))
  end)
end)
