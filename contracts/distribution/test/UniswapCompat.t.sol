// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TestBase, Vm, console} from "./utils/TestBase.sol";
import {AirdropDistributor} from "../src/AirdropDistributor.sol";
import {MockERC20} from "./mocks/Mocks.sol";
import {DistributorDeployer} from "./utils/DistributorDeployer.sol";

/// Uniswap's MerkleDistributor interface, as deployed from its npm build.
interface IUniswapMerkleDistributor {
    function token() external view returns (address);
    function merkleRoot() external view returns (bytes32);
    function isClaimed(uint256 index) external view returns (bool);
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata merkleProof) external;
}

/// The claims file written by our CLI (`airdrop tree build --preset uniswap`) must be claimable,
/// leaf by leaf, on Uniswap's own MerkleDistributor bytecode and on our AirdropDistributor.
contract UniswapCompatTest is DistributorDeployer {
    string internal constant CLAIMS = "test/fixtures/claims.json";
    string internal constant UNISWAP_BUILD = "node_modules/@uniswap/merkle-distributor/build/MerkleDistributor.json";
    uint64 internal constant START = 1_800_000_000;

    struct Leaf {
        uint256 index;
        address account;
        uint256 amount;
        bytes32[] proof;
    }

    bytes32 internal root;
    uint256 internal tokenTotal;
    Leaf[] internal claims;

    function setUp() public {
        string memory json = vm.readFile(CLAIMS);
        root = vm.parseJsonBytes32(json, ".merkleRoot");
        tokenTotal = vm.parseJsonUint(json, ".tokenTotal");
        string[] memory keys = vm.parseJsonKeys(json, ".claims");
        for (uint256 i; i < keys.length; ++i) {
            string memory base = string.concat(".claims.", keys[i]);
            claims.push();
            Leaf storage l = claims[claims.length - 1];
            l.account = vm.parseAddress(keys[i]);
            l.index = vm.parseJsonUint(json, string.concat(base, ".index"));
            l.amount = vm.parseJsonUint(json, string.concat(base, ".amount"));
            bytes32[] memory proof = vm.parseJsonBytes32Array(json, string.concat(base, ".proof"));
            for (uint256 j; j < proof.length; ++j) {
                l.proof.push(proof[j]);
            }
        }
        vm.warp(START);
    }

    function _deployUniswap(address token) internal returns (IUniswapMerkleDistributor u) {
        string memory build = vm.readFile(UNISWAP_BUILD);
        bytes memory code = bytes.concat(
            vm.parseBytes(string.concat("0x", vm.parseJsonString(build, ".bytecode"))), abi.encode(token, root)
        );
        assembly {
            u := create(0, add(code, 0x20), mload(code))
        }
        require(address(u) != address(0), "uniswap deploy failed");
    }

    function _deployOurs(MockERC20 token, uint16 bps, uint64 cliff, uint64 duration)
        internal
        returns (AirdropDistributor d)
    {
        d = _new(
            token, root, START, START + 365 days, address(0x7EA5), address(this), bps, cliff, duration
        );
    }

    function test_fixtureIsWhatTheCliWrote() public view {
        vm.assertEq(claims.length, 21, "21 rows in balances.csv");
        uint256 sum;
        for (uint256 i; i < claims.length; ++i) {
            sum += claims[i].amount;
        }
        vm.assertEq(sum, tokenTotal, "tokenTotal is the sum");
    }

    function test_everyLeafClaimsOnUniswapBytecode() public {
        MockERC20 token = new MockERC20();
        IUniswapMerkleDistributor u = _deployUniswap(address(token));
        vm.assertEq(u.merkleRoot(), root, "root");
        vm.assertEq(u.token(), address(token), "token");
        token.mint(address(u), tokenTotal);
        for (uint256 i; i < claims.length; ++i) {
            Leaf storage l = claims[i];
            u.claim(l.index, l.account, l.amount, l.proof);
            vm.assertTrue(u.isClaimed(l.index), "claimed");
            vm.assertEq(token.balanceOf(l.account), l.amount, "balance");
        }
        vm.assertEq(token.balanceOf(address(u)), 0, "drained exactly");
    }

    function test_everyLeafClaimsOnAirdropDistributor() public {
        MockERC20 token = new MockERC20();
        AirdropDistributor d = _deployOurs(token, 10_000, 0, 0);
        token.mint(address(d), tokenTotal);
        for (uint256 i; i < claims.length; ++i) {
            Leaf storage l = claims[i];
            d.claim(l.index, l.account, l.amount, l.proof);
            vm.assertTrue(d.isClaimed(l.index), "claimed");
            vm.assertEq(token.balanceOf(l.account), l.amount, "balance");
        }
        vm.assertEq(token.balanceOf(address(d)), 0, "drained exactly");
    }

    function test_everyLeafClaimsWithVesting() public {
        MockERC20 token = new MockERC20();
        AirdropDistributor d = _deployOurs(token, 2_500, 30 days, 180 days);
        token.mint(address(d), tokenTotal);
        uint256[3] memory times = [uint256(START), START + 90 days, START + 180 days];
        for (uint256 t; t < times.length; ++t) {
            vm.warp(times[t]);
            for (uint256 i; i < claims.length; ++i) {
                Leaf storage l = claims[i];
                d.claim(l.index, l.account, l.amount, l.proof);
                vm.assertEq(token.balanceOf(l.account), d.vestedAmount(l.amount, times[t]), "vested so far");
            }
        }
        vm.assertEq(token.balanceOf(address(d)), 0, "drained exactly");
    }

    // ---- gas, as in separate transactions: storage made cold before every claim ----

    function _claimGas(address target, bytes memory data, address token) internal returns (uint256) {
        vm.cool(target);
        vm.cool(token);
        // A clone's code is its implementation's: cold in a transaction of its own too.
        vm.cool(factory.implementation());
        (bool ok,) = target.call(data);
        require(ok, "claim failed");
        return vm.lastCallGas().gasTotalUsed;
    }

    function _data(uint256 i) internal view returns (bytes memory) {
        Leaf storage l = claims[i];
        return abi.encodeCall(IUniswapMerkleDistributor.claim, (l.index, l.account, l.amount, l.proof));
    }

    /// One token per distributor, so every claim pays a recipient whose balance slot is new.
    function test_gas_claims() public {
        MockERC20 tu = new MockERC20();
        MockERC20 td = new MockERC20();
        MockERC20 tv = new MockERC20();
        IUniswapMerkleDistributor u = _deployUniswap(address(tu));
        AirdropDistributor d = _deployOurs(td, 10_000, 0, 0);
        AirdropDistributor v = _deployOurs(tv, 2_500, 30 days, 180 days);
        tu.mint(address(u), tokenTotal);
        td.mint(address(d), tokenTotal);
        tv.mint(address(v), tokenTotal);

        uint256 n = claims.length;
        uint256[3] memory first;
        uint256[3] memory later;
        for (uint256 i; i < n; ++i) {
            uint256 gu = _claimGas(address(u), _data(i), address(tu));
            uint256 gd = _claimGas(address(d), _data(i), address(td));
            uint256 gv = _claimGas(address(v), _data(i), address(tv));
            if (i == 0) {
                (first[0], first[1], first[2]) = (gu, gd, gv);
            } else {
                (later[0], later[1], later[2]) = (later[0] + gu, later[1] + gd, later[2] + gv);
            }
        }
        console.log("tree size", n);
        console.log("uniswap MerkleDistributor: first claim", first[0]);
        console.log("uniswap MerkleDistributor: later claim (avg)", later[0] / (n - 1));
        console.log("AirdropDistributor: first claim", first[1]);
        console.log("AirdropDistributor: later claim (avg)", later[1] / (n - 1));
        console.log("AirdropDistributor vesting: first claim", first[2]);
        console.log("AirdropDistributor vesting: first claim of later leaves (avg)", later[2] / (n - 1));

        vm.warp(START + 90 days);
        console.log("AirdropDistributor vesting: follow-up partial claim", _claimGas(address(v), _data(1), address(tv)));
        vm.warp(START + 180 days);
        console.log(
            "AirdropDistributor vesting: final claim (sets the bit)", _claimGas(address(v), _data(1), address(tv))
        );
        // Our margin over Uniswap's per-claim cost is small; guard against regressions.
        vm.assertLe(later[1], later[0] + 500 * (n - 1), "within 500 gas of Uniswap per claim");
    }
}
