// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {console} from "./utils/TestBase.sol";
import {DistributorFixture} from "./utils/DistributorFixture.sol";
import {AirdropDistributor} from "../src/AirdropDistributor.sol";
import {AirdropDistributorClone} from "../src/AirdropDistributorClone.sol";
import {AirdropDistributorFactory} from "../src/AirdropDistributorFactory.sol";
import {AirdropDistributorFront} from "../src/AirdropDistributorFront.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MockERC20, NoReturnToken, FalseTransferToken} from "./mocks/Mocks.sol";
import {AirdropDistributorTest} from "./AirdropDistributor.t.sol";
import {SignatureTest} from "./Signature.t.sol";
import {VestingTest} from "./Vesting.t.sol";
import {UniswapCompatTest} from "./UniswapCompat.t.sol";

// Every test of the full contract, run again against factory clones (each deployment also
// asserts that the factory's prediction is the deployed address).

contract AirdropDistributorCloneTest is AirdropDistributorTest {
    constructor() {
        viaClone = true;
    }
}

contract SignatureCloneTest is SignatureTest {
    constructor() {
        viaClone = true;
    }
}

contract VestingCloneTest is VestingTest {
    constructor() {
        viaClone = true;
    }
}

contract UniswapCompatCloneTest is UniswapCompatTest {
    constructor() {
        viaClone = true;
    }
}

/// What only the factory and its clones have.
contract FactoryTest is DistributorFixture {
    string internal constant UNISWAP_BUILD = "node_modules/@uniswap/merkle-distributor/build/MerkleDistributor.json";

    function setUp() public {
        _makeTree(5);
        token = new MockERC20();
        viaClone = true;
    }

    function _params() internal view returns (AirdropDistributorFactory.Params memory) {
        return AirdropDistributorFactory.Params({
            token: address(token),
            merkleRoot: root,
            start: START,
            deadline: DEADLINE,
            clawbackTo: treasury,
            owner: owner,
            unlockedBps: 2_500,
            cliff: 10 days,
            duration: 100 days
        });
    }

    /// The clone is `AirdropDistributorFront`'s runtime, the implementation's address and the 126
    /// packed args (the layout the Rust side predicts addresses from), at the CREATE2 address of
    /// OpenZeppelin's 10-byte init prefix followed by that code.
    function test_cloneCodeIsFrontPlusPackedArgs() public {
        AirdropDistributorFactory.Params memory p = _params();
        address d = factory.deploy(p, bytes32(uint256(7)));
        bytes memory args = abi.encodePacked(
            p.token, p.merkleRoot, p.start, p.deadline, p.clawbackTo, p.owner, p.unlockedBps, p.cliff, p.duration
        );
        vm.assertEq(args.length, 126, "args length");
        vm.assertEq(keccak256(factory.args(p)), keccak256(args), "factory packs the same");
        bytes memory runtime =
            bytes.concat(type(AirdropDistributorFront).runtimeCode, bytes20(factory.implementation()), args);
        vm.assertEq(keccak256(d.code), keccak256(runtime), "runtime = front + implementation + args");
        bytes memory init = bytes.concat(hex"61", bytes2(uint16(runtime.length)), hex"3d81600a3d39f3", runtime);
        address predicted = address(
            uint160(uint256(keccak256(abi.encodePacked(hex"ff", address(factory), bytes32(uint256(7)), keccak256(init)))))
        );
        vm.assertEq(d, predicted, "create2 address of that code");
        AirdropDistributor c = AirdropDistributor(d);
        vm.assertEq(address(c.token()), address(token), "token");
        vm.assertEq(c.merkleRoot(), root, "root");
        vm.assertEq(uint256(c.start()), START, "start");
        vm.assertEq(uint256(c.deadline()), DEADLINE, "deadline");
        vm.assertEq(c.clawbackTo(), treasury, "clawbackTo");
        vm.assertEq(c.owner(), owner, "owner");
        vm.assertEq(uint256(c.unlockedBps()), 2_500, "bps");
        vm.assertEq(uint256(c.cliff()), 10 days, "cliff");
        vm.assertEq(uint256(c.duration()), 100 days, "duration");
    }

    /// Same parameters and salt: the address is taken, the second deployment reverts; another
    /// salt or any other parameter gives another address.
    function test_sameParamsAndSaltCannotDeployTwice() public {
        AirdropDistributorFactory.Params memory p = _params();
        address d = factory.deploy(p, bytes32(0));
        vm.expectRevert(Errors.FailedDeployment.selector);
        factory.deploy(p, bytes32(0));
        vm.assertTrue(factory.predict(p, bytes32(uint256(1))) != d, "other salt");
        p.owner = address(0xB0B);
        vm.assertTrue(factory.predict(p, bytes32(0)) != d, "other owner");
    }

    /// There is no initializer to call again: configuration is code, unknown selectors revert.
    function test_noInitializerToReplay() public {
        address d = factory.deploy(_params(), bytes32(0));
        (bool ok,) = d.call(abi.encodeWithSignature("initialize(address,bytes32)", address(this), bytes32(uint256(1))));
        vm.assertFalse(ok, "initialize");
        (ok,) = d.call(abi.encodeWithSignature("transferOwnership(address)", address(this)));
        vm.assertFalse(ok, "transferOwnership");
        vm.assertEq(AirdropDistributor(d).owner(), owner, "owner unchanged");
    }

    /// The implementation has no args of its own: it refuses to act as a distributor.
    function test_implementationRefusesDirectUse() public {
        AirdropDistributorClone impl = AirdropDistributorClone(factory.implementation());
        vm.expectRevert(AirdropDistributorClone.NotAClone.selector);
        impl.claim(0, accounts[0], amounts[0], _proof(0));
        vm.expectRevert(AirdropDistributorClone.NotAClone.selector);
        impl.clawback();
    }

    /// The unrolled proof loop: proofs of every length from 6 to 9 (trees of 33 to 300 leaves)
    /// verify, and a proof with one sibling changed at any depth does not.
    function test_deepProofsOfEveryLength() public {
        uint256[4] memory sizes = [uint256(33), 70, 140, 300];
        bool[10] memory seen;
        vm.warp(START);
        for (uint256 t; t < sizes.length; ++t) {
            _makeTree(sizes[t]);
            AirdropDistributor d = _deploy(10_000, 0, 0);
            for (uint256 i; i < sizes[t]; i += 11) {
                bytes32[] memory p = _proof(i);
                seen[p.length] = true;
                bytes32[] memory bad = _proof(i);
                bad[i % bad.length] ^= bytes32(uint256(1));
                vm.expectRevert(AirdropDistributor.InvalidProof.selector);
                d.claim(i, accounts[i], amounts[i], bad);
                d.claim(i, accounts[i], amounts[i], p);
            }
        }
        for (uint256 k = 6; k <= 9; ++k) {
            vm.assertTrue(seen[k], "a proof of every length from 6 to 9");
        }
    }

    /// The clone's own transfer code (the lean claim path) keeps `safeTransfer`'s rules: a token
    /// without a return value pays, one returning false or an account without code fails.
    function test_leanClaimTransferChecks() public {
        _makeTree(2);
        vm.warp(START);
        NoReturnToken quiet = new NoReturnToken();
        AirdropDistributor d = _new(IERC20(address(quiet)), root, START, DEADLINE, treasury, owner, 10_000, 0, 0);
        quiet.mint(address(d), _total());
        d.claim(0, accounts[0], amounts[0], _proof(0));
        vm.assertEq(quiet.balanceOf(accounts[0]), amounts[0], "no-return token paid");

        FalseTransferToken liar = new FalseTransferToken();
        d = _new(IERC20(address(liar)), root, START, DEADLINE, treasury, owner, 10_000, 0, 0);
        liar.mint(address(d), _total());
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(liar)));
        d.claim(0, accounts[0], amounts[0], _proof(0));

        address nothing = address(0xDEAD0);
        d = _new(IERC20(nothing), root, START, DEADLINE, treasury, owner, 10_000, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, nothing));
        d.claim(0, accounts[0], amounts[0], _proof(0));
        vm.assertFalse(d.isClaimed(0), "nothing recorded");
    }

    /// A claim without vesting runs in the clone's own code: with the implementation's code
    /// replaced by INVALID, good claims still pay (no DELEGATECALL on that path) while a refused
    /// one (bad proof, value sent, a truncated proof, a dirty address, a claim already made)
    /// reaches the implementation — which is where its error comes from.
    function test_leanClaimNeedsNoImplementation() public {
        _makeTree(5);
        vm.warp(START);
        AirdropDistributor d = _deploy(10_000, 0, 0);
        address impl = factory.implementation();
        bytes memory implCode = impl.code;
        vm.etch(impl, hex"fe");
        d.claim(0, accounts[0], amounts[0], _proof(0));
        vm.assertEq(token.balanceOf(accounts[0]), amounts[0], "paid without the implementation");
        bytes32[] memory bad = _proof(1);
        bad[0] ^= bytes32(uint256(1));
        bytes memory call = abi.encodeCall(AirdropDistributor.claim, (1, accounts[1], amounts[1], bad));
        (bool ok, bytes memory ret) = address(d).call(call);
        vm.assertFalse(ok, "bad proof refused");
        vm.assertEq(ret.length, 0, "by the broken implementation");
        (ok,) = address(d).call(abi.encodeCall(AirdropDistributor.claim, (0, accounts[0], amounts[0], _proof(0))));
        vm.assertFalse(ok, "claimed twice");
        vm.etch(impl, implCode);

        // With the implementation back: its own errors for what the front leaves to it.
        call = abi.encodeCall(AirdropDistributor.claim, (1, accounts[1], amounts[1], _proof(1)));
        vm.deal(address(this), 1);
        (ok,) = address(d).call{value: 1}(call);
        vm.assertFalse(ok, "value refused");
        bytes memory dirty = bytes.concat(call);
        dirty[4 + 32 + 11] = 0x01;
        (ok,) = address(d).call(dirty);
        vm.assertFalse(ok, "dirty address refused");
        bytes memory truncated = new bytes(call.length - 32);
        for (uint256 i; i < truncated.length; ++i) {
            truncated[i] = call[i];
        }
        (ok,) = address(d).call(truncated);
        vm.assertFalse(ok, "truncated proof refused");
        vm.assertFalse(d.isClaimed(1), "nothing recorded");
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.AlreadyClaimed.selector, 0));
        d.claim(0, accounts[0], amounts[0], _proof(0));
        d.claim(1, accounts[1], amounts[1], _proof(1));
        vm.assertTrue(d.isClaimed(1), "the implementation sees the front's bits");
    }

    /// Deployment gas (execution, as forge measures it): a clone next to Uniswap's
    /// MerkleDistributor and our full contract. Target: a clone ≤ 50 % of Uniswap's.
    function test_gas_deployment() public {
        AirdropDistributorFactory.Params memory p = _params();
        p.unlockedBps = 10_000;
        p.cliff = 0;
        p.duration = 0;
        factory.deploy(p, bytes32(uint256(1)));
        uint256 clone = vm.lastCallGas().gasTotalUsed;

        string memory build = vm.readFile(UNISWAP_BUILD);
        bytes memory code = bytes.concat(
            vm.parseBytes(string.concat("0x", vm.parseJsonString(build, ".bytecode"))), abi.encode(address(token), root)
        );
        uint256 before = gasleft();
        address u;
        assembly {
            u := create(0, add(code, 0x20), mload(code))
        }
        uint256 uniswap = before - gasleft();
        require(u != address(0), "uniswap deploy failed");
        before = gasleft();
        new AirdropDistributor(IERC20(address(token)), root, START, DEADLINE, treasury, owner, 10_000, 0, 0);
        uint256 full = before - gasleft();
        before = gasleft();
        new AirdropDistributorFactory();
        uint256 fac = before - gasleft();
        console.log("clone via factory", clone);
        console.log("uniswap MerkleDistributor", uniswap);
        console.log("AirdropDistributor (full)", full);
        console.log("factory + implementation (once per chain)", fac);
        vm.assertLe(clone * 2, uniswap, "clone at most half of Uniswap's deployment");
    }
}
